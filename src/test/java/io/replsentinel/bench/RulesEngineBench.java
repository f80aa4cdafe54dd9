package io.replsentinel.bench;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.util.Statistics;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Runs the JMH benchmarks of the rules engine ({@link RulesEngineBenchmark},
 * {@link ConsumedRecordBenchmark}) with short settings (one fork, 5 x 1 s warm-up, 5 x 1 s
 * measurement), prints the median events per second of one thread with JMH's 99.9% error, the
 * ratios across fleet sizes and the allocation per event, and writes them to
 * {@code target/bench/rules-engine.txt} (JMH's own results: {@code rules-engine.json}). Not a test:
 * see the README, Benchmarks. {@code -Dbench.forks}, {@code -Dbench.warmup},
 * {@code -Dbench.iterations} lengthen a run on a quiet machine.
 */
@Tag("bench")
class RulesEngineBench {

    private static final Path OUT = Path.of("target/bench");

    @Test
    void rulesEngineThroughput() throws Exception {
        if (RulesEngineBench.class.getResource("/META-INF/BenchmarkList") == null) {
            throw new IllegalStateException("target/test-classes has no JMH benchmark list: the test classes were "
                    + "compiled without annotation processing (an IDE, or -Dmaven.compiler.proc=none). "
                    + "Rebuild them: ./mvnw -B clean test-compile");
        }
        Files.createDirectories(OUT);
        Options options = new OptionsBuilder()
                .include(RulesEngineBenchmark.class.getName() + "\\.")
                .include(ConsumedRecordBenchmark.class.getName() + "\\.")
                .forks(Integer.getInteger("bench.forks", 1))
                .warmupIterations(Integer.getInteger("bench.warmup", 5))
                .warmupTime(TimeValue.seconds(1))
                .measurementIterations(Integer.getInteger("bench.iterations", 5))
                .measurementTime(TimeValue.seconds(1))
                .threads(1)
                .jvmArgs("-Xms1g", "-Xmx1g")
                .addProfiler(GCProfiler.class)
                .resultFormat(ResultFormatType.JSON)
                .result(OUT.resolve("rules-engine.json").toString())
                .build();
        String report = report(new Runner(options).run());
        System.out.println(report);
        Files.writeString(OUT.resolve("rules-engine.txt"), report);
    }

    private static String report(Collection<RunResult> results) {
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT,
                "rules engine, one thread, %d available processors; events/s: median of the measurement "
                        + "iterations, +- JMH's 99.9%% error%n", Runtime.getRuntime().availableProcessors()));
        Map<String, Double> medians = new LinkedHashMap<>();
        for (RunResult r : results) {
            String name = r.getParams().getBenchmark().replaceAll(".*\\.(\\w+)\\.(\\w+)$", "$2");
            String flavor = r.getParams().getParam("flavor");
            String clusters = r.getParams().getParam("clusters");
            Result<?> primary = r.getPrimaryResult();
            Statistics stats = primary.getStatistics();
            double median = stats.getPercentile(50);
            medians.put(name + "/" + flavor + "/" + clusters, median);
            Result<?> alloc = r.getSecondaryResults().get("gc.alloc.rate.norm");
            out.append(String.format(Locale.ROOT,
                    "%-17s %-8s %5s clusters  %,11.0f events/s  +- %,9.0f (%4.1f%%)  min %,11.0f  max %,11.0f"
                            + "  %6.2f us/event  %,7.0f B/event%n",
                    name, flavor, clusters, median, primary.getScoreError(),
                    100 * primary.getScoreError() / primary.getScore(), stats.getMin(), stats.getMax(),
                    1e6 / median, alloc == null ? Double.NaN : alloc.getScore()));
        }
        out.append(String.format(Locale.ROOT, "%nscaling (median events/s against 10 clusters; 1.00 = no slowdown with fleet size)%n"));
        for (String flavor : new String[] {"mysql", "mariadb"}) {
            Double base = medians.get("evaluate/" + flavor + "/10");
            if (base == null) {
                continue;
            }
            out.append(String.format(Locale.ROOT, "%-8s", flavor));
            for (String clusters : new String[] {"100", "1000", "10000"}) {
                Double m = medians.get("evaluate/" + flavor + "/" + clusters);
                if (m != null) {
                    out.append(String.format(Locale.ROOT, "  %s / 10 clusters: %.2f", clusters, m / base));
                }
            }
            out.append(System.lineSeparator());
        }
        out.append(String.format(Locale.ROOT, "%none consumed record (from the medians)%n"));
        for (String clusters : new String[] {"1000", "10000"}) {
            for (String flavor : new String[] {"mysql", "mariadb"}) {
                Double evaluate = medians.get("evaluate/" + flavor + "/" + clusters);
                Double parse = medians.get("parse/" + flavor + "/" + clusters);
                Double both = medians.get("parseAndEvaluate/" + flavor + "/" + clusters);
                if (evaluate == null || parse == null || both == null) {
                    continue;
                }
                out.append(String.format(Locale.ROOT,
                        "%-8s %5s clusters  %,9.0f records/s  parse+evaluate %.2f us = parse %.2f us + evaluate %.2f us;"
                                + " parse is %.0f%% of a record%n", flavor, clusters, both, 1e6 / both, 1e6 / parse,
                        1e6 / evaluate, 100 * (1e6 / parse) / (1e6 / both)));
            }
        }
        return out.toString();
    }
}
