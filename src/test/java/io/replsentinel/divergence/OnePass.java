package io.replsentinel.divergence;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.replsentinel.event.DivergenceFinding;
import io.replsentinel.inventory.WatchedInstance;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/**
 * Runs one cluster's checker in-process, outside the service, until a finding matches or a pass
 * over every table has finished: what benchmarks time.
 */
public final class OnePass {

    /**
     * What one run saw; {@code phases} says where the scanner's time went (milliseconds and times
     * entered per phase, see {@code PassClock}), {@code millisToPassEnd} less their sum being spent
     * between them (settling verdicts, publishing, the run's own start and polling).
     */
    public record Result(long millisToFinding, long millisToPassEnd, long rowsChecked, List<DivergenceFinding> findings,
                         Map<String, long[]> phases) {

        /** The phases as {@code name=ms/times}, in the scanner's order. */
        public String phaseSummary() {
            StringBuilder b = new StringBuilder();
            long sum = 0;
            for (Map.Entry<String, long[]> e : phases.entrySet()) {
                b.append(e.getKey()).append('=').append(e.getValue()[0]).append("ms/").append(e.getValue()[1]).append(' ');
                sum += e.getValue()[0];
            }
            return b.append("unaccounted=").append(millisToPassEnd - sum).append("ms").toString();
        }
    }

    private OnePass() {
    }

    /** A {@link DivergenceConfig} with the defaults and these settings ({@code sentinel.divergence.*} keys). */
    public static DivergenceConfig config(Map<String, String> settings) {
        SmallRyeConfig c = new SmallRyeConfigBuilder().withMapping(DivergenceConfig.class)
                // the service reads durations as Quarkus does ("500ms", "1h")
                .withConverter(Duration.class, 200, new io.quarkus.runtime.configuration.DurationConverter())
                .withDefaultValues(settings).build();
        return c.getConfigMapping(DivergenceConfig.class);
    }

    public static Result run(String cluster, List<WatchedInstance> instances, DivergenceConfig config,
                             Predicate<DivergenceFinding> wanted, Duration timeout) throws InterruptedException {
        List<DivergenceFinding> findings = new CopyOnWriteArrayList<>();
        ClusterScanner scanner = new ClusterScanner(cluster, instances, config,
                "sslMode=DISABLED&allowPublicKeyRetrieval=true", Duration.ofSeconds(2), findings::add,
                new DivergenceMetrics(new SimpleMeterRegistry()), HotRanges.UNKNOWN);
        Thread t = new Thread(scanner, "bench-divergence-" + cluster);
        long start = System.nanoTime();
        long found = -1;
        t.start();
        long deadline = start + timeout.toNanos();
        try {
            while (System.nanoTime() < deadline) {
                if (found < 0 && findings.stream().anyMatch(wanted)) {
                    found = (System.nanoTime() - start) / 1_000_000;
                }
                if (scanner.report().passes() >= 1) {
                    break;
                }
                Thread.sleep(20);
            }
            long passEnd = (System.nanoTime() - start) / 1_000_000;
            if (found < 0 && findings.stream().anyMatch(wanted)) {
                found = passEnd;
            }
            long rows = scanner.report().rowsChecked();
            scanner.stop();
            t.interrupt();
            t.join(10_000);
            Map<String, long[]> phases = new java.util.LinkedHashMap<>();
            scanner.clock().snapshot().forEach((p, v) -> phases.put(p.name(), v));
            return new Result(found, passEnd, rows, List.copyOf(findings), phases);
        } finally {
            scanner.stop();
            t.interrupt();
            t.join(10_000);
        }
    }
}
