package io.replsentinel.divergence;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The checker's own series: {@code sentinel_divergence_rows_checked_total{cluster}},
 * {@code sentinel_divergence_chunks_total{cluster,outcome}} ({@code match}, {@code differ},
 * {@code inconclusive}), {@code sentinel_divergence_pauses_total{cluster,reason}} and
 * {@code sentinel_divergence_table_skipped{cluster,table}} (1 for each table without a usable key).
 */
@ApplicationScoped
public class DivergenceMetrics {

    private final MeterRegistry registry;
    private final MultiGauge skipped;
    private final Map<String, Map<TableRef, String>> skippedByCluster = new ConcurrentHashMap<>();

    public DivergenceMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.skipped = MultiGauge.builder("sentinel_divergence_table_skipped")
                .description("1 for each table the data checker skips: no primary key or unique key over NOT NULL columns")
                .register(registry);
    }

    void rows(String cluster, long rows) {
        registry.counter("sentinel_divergence_rows_checked_total", "cluster", cluster).increment(rows);
    }

    void chunk(String cluster, String outcome) {
        registry.counter("sentinel_divergence_chunks_total", "cluster", cluster, "outcome", outcome).increment();
    }

    void pause(String cluster, String reason) {
        registry.counter("sentinel_divergence_pauses_total", "cluster", cluster, "reason", reason).increment();
    }

    synchronized void skipped(String cluster, Map<TableRef, String> tables) {
        skippedByCluster.put(cluster, Map.copyOf(tables));
        List<MultiGauge.Row<?>> rows = new ArrayList<>();
        skippedByCluster.forEach((c, t) -> t.keySet().forEach(table ->
                rows.add(MultiGauge.Row.of(Tags.of("cluster", c, "table", table.toString()), 1))));
        skipped.register(rows, true);
    }
}
