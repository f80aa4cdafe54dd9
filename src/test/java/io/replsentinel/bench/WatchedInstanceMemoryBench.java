package io.replsentinel.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheus.PrometheusConfig;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import io.replsentinel.event.ReplicationStatus;
import io.replsentinel.metrics.InstanceMetrics;
import io.replsentinel.rules.RulesEngine;
import io.replsentinel.rules.StatusReaders;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.ref.Reference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.IntFunction;
import java.util.function.Supplier;

/**
 * Heap each watched instance holds, not a timing: the state is built for two fleet sizes, the heap
 * is measured after full collections, and the difference between the two sizes divided by the
 * difference in instances cancels what does not grow with the fleet. The state is built from the
 * JSON the poller publishes, read as the engine reads it, so every status holds its own strings as
 * in the service. Prints and writes {@code target/bench/memory-per-instance.txt}. Not a test: see
 * the README, Benchmarks.
 */
@Tag("bench")
class WatchedInstanceMemoryBench {

    /** Clusters of three: 1,020 and 10,020 instances, each with the fleet's 5% + 5% of faulty replicas. */
    private static final int SMALL = 340;
    private static final int LARGE = 3340;
    /** Two poll rounds: the second replaces the first, as a steady service does. */
    private static final int ROUNDS = 2;
    private static final MemoryMXBean MEMORY = ManagementFactory.getMemoryMXBean();

    @Test
    void heapPerWatchedInstance() throws Exception {
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT,
                "heap per watched instance: (used(%d instances) - used(%d instances)) / %d, after full GCs; "
                        + "clusters of 3, %d poll rounds%n",
                LARGE * 3, SMALL * 3, (LARGE - SMALL) * 3, ROUNDS));
        for (Fleet.Flavor flavor : Fleet.Flavor.values()) {
            // load every class and fill static caches before anything is measured
            rulesEngine(flavor, 10);
            instanceMetrics(flavor, 10, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));

            out.append(line("rules engine", flavor, clusters -> rulesEngine(flavor, clusters),
                    state -> String.format(Locale.ROOT, "firing alerts %.1f per 100 instances",
                            100.0 * firing(state) / state.instances())));
            out.append(line("metrics (Prometheus)", flavor,
                    clusters -> instanceMetrics(flavor, clusters, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT)),
                    state -> String.format(Locale.ROOT, "%.1f meters per instance",
                            (double) state.registry.getMeters().size() / state.instances())));
            out.append(line("metrics (Simple)", flavor,
                    clusters -> instanceMetrics(flavor, clusters, new SimpleMeterRegistry()),
                    state -> String.format(Locale.ROOT, "%.1f meters per instance",
                            (double) state.registry.getMeters().size() / state.instances())));
        }
        System.out.println(out);
        Path file = Path.of("target/bench/memory-per-instance.txt");
        Files.createDirectories(file.getParent());
        Files.writeString(file, out.toString());
    }

    /** Holds no {@link Fleet}: its templates would be counted as engine state. */
    private record EngineState(int clusters, RulesEngine engine) {
        int instances() {
            return clusters * Fleet.INSTANCES_PER_CLUSTER;
        }
    }

    private record MetricsState(int clusters, InstanceMetrics metrics, MeterRegistry registry) {
        int instances() {
            return clusters * Fleet.INSTANCES_PER_CLUSTER;
        }
    }

    /** Every instance's latest status held by the engine, with the alerts the fault mix raised. */
    private static EngineState rulesEngine(Fleet.Flavor flavor, int clusters) {
        Fleet fleet = Fleet.of(flavor, clusters);
        RulesEngine engine = Engines.rulesEngine();
        consume(fleet, engine::evaluate);
        return new EngineState(clusters, engine);
    }

    /** The poller's series of every instance. */
    private static MetricsState instanceMetrics(Fleet.Flavor flavor, int clusters, MeterRegistry registry) {
        Fleet fleet = Fleet.of(flavor, clusters);
        InstanceMetrics metrics = new InstanceMetrics(registry);
        consume(fleet, metrics::record);
        return new MetricsState(clusters, metrics, registry);
    }

    private static void consume(Fleet fleet, Consumer<ReplicationStatus> sink) {
        ObjectMapper json = Engines.json();
        Function<String, ReplicationStatus> reader = StatusReaders.reader(json);
        try {
            for (long n = 0; n < (long) fleet.instances() * ROUNDS; n++) {
                sink.accept(reader.apply(json.writeValueAsString(fleet.status(n))));
            }
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static long firing(EngineState state) {
        long firing = 0;
        for (int k = 0; k < state.clusters(); k++) {
            firing += state.engine.firing(Fleet.clusterName(k)).size();
        }
        return firing;
    }

    /** Measures both sizes: only what {@code build} left reachable from its result counts. */
    private static <T> String line(String what, Fleet.Flavor flavor, IntFunction<T> build, Function<T, String> note) {
        Retained<T> small = retained(() -> build.apply(SMALL));
        Retained<T> large = retained(() -> build.apply(LARGE));
        double perInstance = (double) (large.bytes - small.bytes) / ((LARGE - SMALL) * Fleet.INSTANCES_PER_CLUSTER);
        return String.format(Locale.ROOT, "%-21s %-8s %,7.0f bytes/instance   (%,6.1f MB at %,d, %,6.1f MB at %,d; %s)%n",
                what, flavor, perInstance, small.bytes / 1e6, SMALL * 3, large.bytes / 1e6, LARGE * 3,
                note.apply(large.state));
    }

    private record Retained<T>(long bytes, T state) {
    }

    private static <T> Retained<T> retained(Supplier<T> build) {
        long before = usedAfterGc();
        T state = build.get();
        long after = usedAfterGc();
        Retained<T> r = new Retained<>(after - before, state);
        Reference.reachabilityFence(state);
        return r;
    }

    /** Heap in use once repeated full collections stop freeing anything. */
    private static long usedAfterGc() {
        long previous = Long.MAX_VALUE;
        for (int i = 0; i < 10; i++) {
            System.gc();
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            long used = MEMORY.getHeapMemoryUsage().getUsed();
            if (Math.abs(previous - used) < 64 * 1024) {
                return used;
            }
            previous = used;
        }
        return previous;
    }
}
