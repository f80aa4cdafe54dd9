package io.replsentinel.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.replsentinel.kafka.KafkaBrokerResource;
import io.replsentinel.kafka.KafkaTestClient;
import io.replsentinel.lab.DbServer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One MySQL hung (SIGSTOP) while twenty others are polled: each healthy instance's poll interval
 * (between consecutive statuses' {@code observedAt}) before and during the hang, at the shipped
 * defaults (1 s interval, 800 ms deadline). The twenty are one real server on twenty loopback
 * addresses ({@link LoopbackFleetResource}). Not a test: {@code ./mvnw -B test -Pbench
 * -Dtest=PollRhythmBench}; results in {@code target/bench/poll-rhythm.txt}.
 */
@QuarkusTest
@TestProfile(DefaultSettingsProfile.class)
@Tag("bench")
@WithTestResource(value = KafkaBrokerResource.class, scope = TestResourceScope.GLOBAL)
@WithTestResource(value = LoopbackFleetResource.class, scope = TestResourceScope.GLOBAL)
class PollRhythmBench {

    private static final String STATUS = "mysql.replication.status";
    private static final Duration WINDOW = Duration.ofSeconds(Long.getLong("bench.window.seconds", 30));

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @Test
    void twentyInstancesKeepTheirPollIntervalWhileOneIsHung() throws Exception {
        DbServer hung = LoopbackFleetResource.hung();
        Map<String, List<Instant>> before = statuses(WINDOW, null);
        List<JsonNode> hungStatuses = new ArrayList<>();
        Map<String, List<Instant>> during;
        signal("STOP", hung);
        try {
            during = statuses(WINDOW, hungStatuses);
        } finally {
            signal("CONT", hung);
        }
        StringBuilder report = new StringBuilder(String.format(Locale.ROOT,
                "poll interval of %d healthy instances (one MySQL on %d loopback addresses), %d s windows,"
                        + " interval 1 s, timeout 800 ms%n", LoopbackFleetResource.FLEET, LoopbackFleetResource.FLEET,
                WINDOW.toSeconds()));
        report.append(summary("before the hang", before));
        report.append(summary("while one MySQL is hung", during));
        long timeouts = hungStatuses.stream().filter(s -> s.path("error").path("class").asText().equals("timeout")).count();
        report.append(String.format(Locale.ROOT, "hung instance: %d statuses, %d of them timeout%n",
                hungStatuses.size(), timeouts));
        System.out.println(report);
        Path out = Path.of("target/bench/poll-rhythm.txt");
        Files.createDirectories(out.getParent());
        Files.writeString(out, report.toString());

        assertThat(during.keySet()).hasSize(LoopbackFleetResource.FLEET);
        assertThat(timeouts).isPositive();
    }

    /** Each fleet instance's observedAt times during {@code window}; the hung cluster's statuses go to {@code hung}. */
    private Map<String, List<Instant>> statuses(Duration window, List<JsonNode> hung) {
        Map<String, List<Instant>> seen = new TreeMap<>();
        try (KafkaTestClient kafka = KafkaTestClient.fromEnd(bootstrapServers, STATUS)) {
            long end = System.nanoTime() + window.toNanos();
            while (System.nanoTime() < end) {
                for (ConsumerRecord<String, String> r : kafka.poll(Duration.ofMillis(200))) {
                    JsonNode s = KafkaTestClient.json(r);
                    String cluster = s.path("cluster").asText();
                    if (cluster.equals(LoopbackFleetResource.HUNG_CLUSTER)) {
                        if (hung != null) {
                            hung.add(s);
                        }
                    } else if (cluster.startsWith(LoopbackFleetResource.FLEET_CLUSTER_PREFIX)) {
                        // run beside other benchmarks, the service also polls their servers (global test resources)
                        seen.computeIfAbsent(s.path("instance").asText(), k -> new ArrayList<>())
                                .add(Instant.parse(s.path("observedAt").asText()));
                    }
                }
            }
        }
        return seen;
    }

    /** Per instance p50/p99/max of its poll intervals, then the worst instance's and the pooled figures. */
    private static String summary(String what, Map<String, List<Instant>> seen) {
        List<Long> pooled = new ArrayList<>();
        long worstP99 = 0;
        String worst = "";
        for (Map.Entry<String, List<Instant>> e : seen.entrySet()) {
            List<Long> gaps = gaps(e.getValue());
            pooled.addAll(gaps);
            long p99 = percentile(gaps, 0.99);
            if (p99 > worstP99) {
                worstP99 = p99;
                worst = e.getKey();
            }
        }
        return String.format(Locale.ROOT,
                "%-26s all intervals: p50 %4d ms  p99 %4d ms  max %4d ms (n=%d); worst instance p99 %4d ms (%s), %.2fx the interval%n",
                what, percentile(pooled, 0.5), percentile(pooled, 0.99), percentile(pooled, 1.0), pooled.size(),
                worstP99, worst, worstP99 / 1000.0);
    }

    private static List<Long> gaps(List<Instant> times) {
        List<Long> gaps = new ArrayList<>();
        for (int i = 1; i < times.size(); i++) {
            gaps.add(Duration.between(times.get(i - 1), times.get(i)).toMillis());
        }
        return gaps;
    }

    private static long percentile(List<Long> values, double p) {
        if (values.isEmpty()) {
            return -1;
        }
        List<Long> sorted = values.stream().sorted().toList();
        int index = (int) Math.ceil(p * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
    }

    private static void signal(String signal, DbServer server) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("kill", "-" + signal, Long.toString(server.pid())).inheritIO().start();
        assertThat(p.waitFor()).isZero();
    }
}
