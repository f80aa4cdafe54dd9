package io.replsentinel.divergence;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.replsentinel.inventory.Inventory;
import io.replsentinel.inventory.SentinelConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import org.jboss.logging.Logger;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Runs one {@link ClusterScanner} thread per cluster of the inventory while
 * {@code sentinel.divergence.enabled} is on, and hands them the checks alerts ask for. Its findings
 * go to the divergence topic through the {@link DivergencePublisher}; a binlog listener, where one
 * runs, can provide a {@link HotRanges} bean to mark ranges touched while they were compared.
 */
@ApplicationScoped
public class DivergenceService {

    private static final Logger LOG = Logger.getLogger(DivergenceService.class);

    private final DivergenceConfig config;
    private final SentinelConfig sentinel;
    private final Inventory inventory;
    private final DivergencePublisher publisher;
    private final DivergenceMetrics metrics;
    private final Instance<HotRanges> hot;
    private final Map<String, ClusterScanner> scanners = new ConcurrentHashMap<>();
    private final Map<String, Thread> threads = new ConcurrentHashMap<>();

    public DivergenceService(DivergenceConfig config, SentinelConfig sentinel, Inventory inventory,
                             DivergencePublisher publisher, DivergenceMetrics metrics, Instance<HotRanges> hot) {
        this.config = config;
        this.sentinel = sentinel;
        this.inventory = inventory;
        this.publisher = publisher;
        this.metrics = metrics;
        this.hot = hot;
        TableFilter.of(config); // a malformed schema.table stops start-up here, naming the value
    }

    void start(@Observes StartupEvent event) {
        if (!config.enabled()) {
            return;
        }
        HotRanges hotRanges = hot.isResolvable() ? hot.get() : HotRanges.UNKNOWN;
        inventory.clusters().forEach((cluster, instances) -> {
            if (instances.size() < 2) {
                return;
            }
            ClusterScanner scanner = new ClusterScanner(cluster, instances, config, sentinel.poll().jdbcOptions(),
                    sentinel.poll().connectTimeout(), publisher::publish, metrics, hotRanges);
            Thread t = new Thread(scanner, "divergence-" + cluster);
            t.setDaemon(true);
            scanners.put(cluster, scanner);
            threads.put(cluster, t);
            t.start();
        });
        LOG.infof("Data divergence checks running on %s", scanners.keySet());
    }

    void stop(@Observes ShutdownEvent event) {
        scanners.values().forEach(ClusterScanner::stop);
        threads.values().forEach(Thread::interrupt);
    }

    public boolean enabled() {
        return config.enabled();
    }

    /**
     * Asks for a check, first in line, of {@code tables} (every table when empty) of one cluster,
     * on one replica or on all.
     *
     * @return false when the checker does not run for that cluster
     */
    public boolean trigger(String cluster, List<TableRef> tables, Optional<String> replica, String alertname) {
        ClusterScanner s = scanners.get(cluster);
        if (s == null) {
            return false;
        }
        s.trigger(new ClusterScanner.Trigger(List.copyOf(tables), replica, alertname, 0, java.time.Instant.EPOCH));
        return true;
    }

    /** What each cluster's checker reports now. */
    public List<ScanReport> reports() {
        return scanners.values().stream().map(ClusterScanner::report)
                .sorted(java.util.Comparator.comparing(ScanReport::cluster)).toList();
    }

    public Optional<ScanReport> report(String cluster) {
        return Optional.ofNullable(scanners.get(cluster)).map(ClusterScanner::report);
    }
}
