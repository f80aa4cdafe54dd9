package io.replsentinel.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.replsentinel.kafka.KafkaBrokerResource;
import io.replsentinel.kafka.KafkaTestClient;
import io.replsentinel.lab.DbServer;
import io.replsentinel.lab.Faults;
import io.replsentinel.lab.Topology;
import io.replsentinel.pipeline.Lab;
import io.replsentinel.pipeline.LabResource;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Detection latency on real topologies with the shipped default settings: a replica's applier is
 * broken for real (duplicate key) and the clock runs from the statement that breaks it to the alert
 * on the alerts topic and in Alertmanager. Not a test: run with {@code ./mvnw -B test -Pbench}.
 * Results are printed and written to {@code target/bench/detection-latency.txt}.
 */
@QuarkusTest
@TestProfile(DefaultSettingsProfile.class)
@Tag("bench")
@WithTestResource(value = KafkaBrokerResource.class, scope = TestResourceScope.GLOBAL)
@WithTestResource(value = LabResource.class, scope = TestResourceScope.GLOBAL)
class DetectionLatencyBench {

    private static final int RUNS = Integer.getInteger("bench.runs", 9);
    private static final String ALERTS = "mysql.replication.alerts";

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @Test
    void duplicateKeyDetectionLatency() throws Exception {
        StringBuilder report = new StringBuilder(String.format(Locale.ROOT,
                "detection latency, duplicate key on a replica, %d runs per flavor, poll interval 1 s (default)%n", RUNS));
        for (Topology topology : List.of(Lab.mysql(), Lab.mariadb())) {
            List<Long> topic = new ArrayList<>();
            List<Long> alertmanager = new ArrayList<>();
            for (int run = 0; run < RUNS; run++) {
                long[] t = measureOnce(topology, 5000 + run + (topology == Lab.mysql() ? 0 : 500));
                topic.add(t[0]);
                alertmanager.add(t[1]);
            }
            report.append(line(topology.flavor() + " alerts topic ", topic));
            report.append(line(topology.flavor() + " Alertmanager ", alertmanager));
        }
        System.out.println(report);
        Path out = Path.of("target/bench/detection-latency.txt");
        Files.createDirectories(out.getParent());
        Files.writeString(out, report.toString());
    }

    /** Milliseconds from the breaking statement to the alert on the topic, and to the alert in Alertmanager. */
    private long[] measureOnce(Topology topology, int key) throws InterruptedException {
        Faults faults = new Faults(topology);
        DbServer replica = topology.replicas().get(0);
        try (KafkaTestClient kafka = KafkaTestClient.fromEnd(bootstrapServers, ALERTS)) {
            faults.execUnlogged(replica, "INSERT INTO lab.t VALUES (" + key + ", 'replica-only')");
            // runs are evenly spaced by the repair: without jitter each would hit the poll cycle at the same phase
            Thread.sleep(ThreadLocalRandom.current().nextLong(1000));
            long t0 = System.currentTimeMillis();
            topology.insert(key);
            long amSeen = -1;
            ConsumerRecord<String, String> fired = null;
            long deadline = t0 + 60_000;
            while ((fired == null || amSeen < 0) && System.currentTimeMillis() < deadline) {
                if (fired == null) {
                    for (ConsumerRecord<String, String> r : kafka.poll(Duration.ofMillis(20))) {
                        JsonNode a = KafkaTestClient.json(r);
                        if (a.path("status").asText().equals("firing")
                                && a.path("labels").path("alertname").asText().equals("ReplicationSqlThreadStopped")
                                && a.path("labels").path("instance").asText().equals(replica.id())) {
                            fired = r;
                        }
                    }
                }
                if (amSeen < 0 && inAlertmanager(replica.id())) {
                    amSeen = System.currentTimeMillis();
                }
                if (amSeen >= 0 && fired == null) {
                    Thread.sleep(5);
                }
            }
            if (fired == null || amSeen < 0) {
                throw new AssertionError("no alert within 60 s");
            }
            long topicMillis = fired.timestamp() - t0;
            String fingerprint = fired.key();
            faults.repairDuplicateKey(replica, key);
            kafka.awaitRecord(ALERTS, r -> r.key().equals(fingerprint)
                    && KafkaTestClient.json(r).path("status").asText().equals("resolved"), Duration.ofSeconds(60));
            return new long[] {topicMillis, amSeen - t0};
        }
    }

    private static boolean inAlertmanager(String instance) {
        for (Map<String, Object> a : Lab.alertmanager().alerts()) {
            @SuppressWarnings("unchecked")
            Map<String, Object> labels = (Map<String, Object>) a.get("labels");
            if ("ReplicationSqlThreadStopped".equals(labels.get("alertname")) && instance.equals(labels.get("instance"))) {
                return true;
            }
        }
        return false;
    }

    private static String line(String what, List<Long> millis) {
        List<Long> sorted = millis.stream().sorted().toList();
        long median = sorted.get(sorted.size() / 2);
        long p25 = sorted.get(sorted.size() / 4);
        long p75 = sorted.get(sorted.size() * 3 / 4);
        return String.format(Locale.ROOT, "%-22s median %5d ms  IQR %d-%d  min %5d  max %5d  runs %s%n",
                what, median, p25, p75, sorted.get(0), sorted.get(sorted.size() - 1), millis);
    }
}
