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
 * Detection latency on real topologies with the shipped default settings, per flavor: a replica's
 * applier broken for real (duplicate key; to the alerts topic and to Alertmanager), a source hung by
 * SIGSTOP (InstanceUnreachable{cause=timeout}) and a replication user that lost REPLICATION SLAVE
 * (ReplicationIoThreadStopped{cause=auth}, which no retry heals); the clock runs from the action that
 * breaks it to the alert. Not a test: run with {@code ./mvnw -B test -Pbench}.
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
    void detectionLatency() throws Exception {
        StringBuilder report = new StringBuilder(String.format(Locale.ROOT,
                "detection latency, %d runs per flavor and fault, poll interval 1 s, poll timeout 800 ms (defaults);"
                        + " from the breaking action to the firing alert%n", RUNS));
        for (Topology topology : List.of(Lab.mysql(), Lab.mariadb())) {
            String flavor = topology.flavor().toString();
            List<Long> topic = new ArrayList<>();
            List<Long> alertmanager = new ArrayList<>();
            for (int run = 0; run < RUNS; run++) {
                long[] t = measureOnce(topology, 5000 + run + (topology == Lab.mysql() ? 0 : 500));
                topic.add(t[0]);
                alertmanager.add(t[1]);
            }
            report.append(line(flavor + " duplicate key, alerts topic", topic));
            report.append(line(flavor + " duplicate key, Alertmanager", alertmanager));
            report.append(line(flavor + " hung source (SIGSTOP), alerts topic", repeat(() -> hungSource(topology))));
            report.append(line(flavor + " no-retry IO error (REPLICATION SLAVE revoked), alerts topic",
                    repeat(() -> replicationSlaveRevoked(topology))));
        }
        System.out.println(report);
        Path out = Path.of("target/bench/detection-latency.txt");
        Files.createDirectories(out.getParent());
        Files.writeString(out, report.toString());
    }

    private interface Run {
        long millis() throws Exception;
    }

    private static List<Long> repeat(Run run) throws Exception {
        List<Long> result = new ArrayList<>();
        for (int i = 0; i < RUNS; i++) {
            result.add(run.millis());
        }
        return result;
    }

    /**
     * Milliseconds from SIGSTOP of the source to InstanceUnreachable{cause=timeout} on the topic: one
     * poll interval at most until the next poll starts, the poll's deadline, then the pipeline.
     */
    private long hungSource(Topology topology) throws Exception {
        Faults faults = new Faults(topology);
        DbServer source = topology.source();
        try (KafkaTestClient kafka = KafkaTestClient.fromEnd(bootstrapServers, ALERTS)) {
            Thread.sleep(ThreadLocalRandom.current().nextLong(1000));
            long t0 = System.currentTimeMillis();
            faults.hang(source);
            ConsumerRecord<String, String> fired;
            try {
                fired = kafka.awaitRecord(ALERTS, r -> isFiring(r, "InstanceUnreachable", source.id())
                        && KafkaTestClient.json(r).path("labels").path("cause").asText().equals("timeout"), Duration.ofSeconds(60));
            } finally {
                faults.resume(source);
            }
            awaitResolved(kafka, fired.key());
            return fired.timestamp() - t0;
        }
    }

    /**
     * Milliseconds from killing the replicas' dump threads, after the replication user lost REPLICATION
     * SLAVE, to ReplicationIoThreadStopped{cause=auth} on the first replica: the replica's reconnection,
     * the source's refusal, the next poll and the pipeline; no Connecting threshold.
     */
    private long replicationSlaveRevoked(Topology topology) throws Exception {
        Faults faults = new Faults(topology);
        DbServer replica = topology.replicas().get(0);
        DbServer source = topology.source();
        try (KafkaTestClient kafka = KafkaTestClient.fromEnd(bootstrapServers, ALERTS)) {
            faults.execUnlogged(source, "REVOKE REPLICATION SLAVE ON *.* FROM '" + Topology.REPL_USER + "'@'%'");
            Thread.sleep(ThreadLocalRandom.current().nextLong(1000));
            long t0 = System.currentTimeMillis();
            for (Map<String, Object> row : source.query(
                    "SELECT ID FROM information_schema.PROCESSLIST WHERE COMMAND LIKE 'Binlog Dump%'")) {
                try {
                    source.exec("KILL " + row.get("ID"));
                } catch (IllegalStateException alreadyGone) {
                    // the replica dropped it first
                }
            }
            ConsumerRecord<String, String> fired;
            try {
                fired = kafka.awaitRecord(ALERTS, r -> isFiring(r, "ReplicationIoThreadStopped", replica.id())
                        && KafkaTestClient.json(r).path("labels").path("cause").asText().equals("auth"), Duration.ofSeconds(60));
            } finally {
                faults.repairReplicationSlaveGrant();
            }
            awaitResolved(kafka, fired.key());
            return fired.timestamp() - t0;
        }
    }

    private static boolean isFiring(ConsumerRecord<String, String> r, String alertname, String instance) {
        JsonNode a = KafkaTestClient.json(r);
        return a.path("status").asText().equals("firing") && a.path("labels").path("alertname").asText().equals(alertname)
                && a.path("labels").path("instance").asText().equals(instance);
    }

    private static void awaitResolved(KafkaTestClient kafka, String fingerprint) {
        kafka.awaitRecord(ALERTS, r -> r.key().equals(fingerprint)
                && KafkaTestClient.json(r).path("status").asText().equals("resolved"), Duration.ofSeconds(60));
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
        return String.format(Locale.ROOT, "%-62s median %5d ms  IQR %d-%d  min %5d  max %5d  runs %s%n",
                what, median, p25, p75, sorted.get(0), sorted.get(sorted.size() - 1), millis);
    }
}
