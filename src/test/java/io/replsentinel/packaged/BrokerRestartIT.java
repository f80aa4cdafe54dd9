package io.replsentinel.packaged;

import com.fasterxml.jackson.databind.JsonNode;
import io.replsentinel.kafka.KafkaTestClient;
import io.replsentinel.kafka.LabKafkaContainer;
import io.replsentinel.lab.DbServer;
import io.replsentinel.lab.DockerEngine;
import io.replsentinel.lab.Faults;
import io.replsentinel.lab.Topology;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.testcontainers.kafka.KafkaContainer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Kafka broker stopped and started under a running service: the packaged jar polls a real
 * MariaDB topology (a source, two replicas) through a broker in its own container
 * ({@link LabKafkaContainer}, same host port and listeners after {@code docker stop}/{@code docker start}).
 * A fault fires before the stop, is repaired while the broker is down, and a second fault starts
 * while it is down. After the restart: every status the pollers took is on the topic (per instance,
 * sequence numbers without a gap or a repeat, observedAt at the poll cadence through the outage), the
 * engine resumes, and the alerts topic holds each state change exactly once.
 * Figures go to {@code target/reliability/broker-restart.txt}.
 */
class BrokerRestartIT {

    private static final String CLUSTER = "restart-lab";
    private static final String STATUS = "mysql.replication.status";
    private static final String ALERTS = "mysql.replication.alerts";
    private static final Duration WAIT = Duration.ofSeconds(120);
    /** Long enough for several polls (1 s) and the repaired alert's keep-firing-for (3 s) to pass in the outage. */
    private static final Duration OUTAGE = Duration.ofSeconds(10);

    private PackagedService service;
    private KafkaContainer kafka;
    private Topology topology;

    @AfterEach
    void stopEverything() throws InterruptedException {
        if (service != null) {
            service.close();
        }
        if (kafka != null) {
            kafka.stop();
        }
        if (topology != null) {
            topology.close();
        }
    }

    @Test
    void brokerStoppedAndStartedMidStream_losesNoStatus_andEveryAlertChangeArrivesExactlyOnce() throws Exception {
        Assumptions.assumeTrue(DockerEngine.canRun(), "no Docker engine can run here (needs Linux and root)");
        Path work = Files.createTempDirectory(Path.of("target"), "broker-restart-");
        kafka = LabKafkaContainer.onFixedPort(PackagedService.freePort());
        kafka.start();
        String bootstrap = kafka.getBootstrapServers();
        topology = Topology.mariadb(2);
        Faults faults = new Faults(topology);
        DbServer first = topology.replicas().get(0);
        DbServer second = topology.replicas().get(1);

        int http = PackagedService.freePort();
        service = launch(work, bootstrap, http);
        service.awaitReady(Duration.ofSeconds(90));

        try (KafkaTestClient records = KafkaTestClient.fromBeginning(bootstrap, STATUS, ALERTS)) {
            // fault A fires with the broker up
            faults.duplicateKeyOnReplica(first, 9001);
            ConsumerRecord<String, String> firingA = records.awaitRecord(ALERTS, alert(first, "firing"), WAIT);

            Instant stoppedAt = Instant.now();
            LabKafkaContainer.stop(kafka);
            long stopMillis = Duration.between(stoppedAt, Instant.now()).toMillis();
            // while it is down: A is repaired (it resolves on poll time) and fault B starts
            faults.repairDuplicateKey(first, 9001);
            faults.duplicateKeyOnReplica(second, 9002);
            long downFor = Math.max(0, OUTAGE.toMillis() - Duration.between(stoppedAt, Instant.now()).toMillis());
            Thread.sleep(downFor); // the outage itself is what is under test, not a wait for a condition

            Instant startedAt = Instant.now();
            Duration brokerStart = LabKafkaContainer.start(kafka, bootstrap, Duration.ofSeconds(120));
            Instant brokerUp = startedAt.plus(brokerStart);
            assertThat(kafka.getBootstrapServers()).isEqualTo(bootstrap);

            ConsumerRecord<String, String> resolvedA = records.awaitRecord(ALERTS,
                    r -> r.key().equals(firingA.key()) && status(r).equals("resolved"), WAIT);
            ConsumerRecord<String, String> firingB = records.awaitRecord(ALERTS, alert(second, "firing"), WAIT);
            Duration resolvedAAfter = Duration.between(brokerUp, Instant.ofEpochMilli(resolvedA.timestamp()));
            Duration firingBAfter = Duration.between(brokerUp, Instant.ofEpochMilli(firingB.timestamp()));
            // the engine has resumed once the first status polled in the outage has been evaluated and its alert written
            Duration engineResumed = resolvedAAfter.compareTo(firingBAfter) < 0 ? resolvedAAfter : firingBAfter;
            assertThat(Instant.parse(KafkaTestClient.json(firingB).path("startsAt").asText()))
                    .as("B starts when it was polled, inside the outage, not when the broker came back").isBefore(brokerUp);

            faults.repairDuplicateKey(second, 9002);
            records.awaitRecord(ALERTS, r -> r.key().equals(firingB.key()) && status(r).equals("resolved"), WAIT);
            // a few more polls, so a late duplicate or a late status would be seen
            Instant settle = Instant.now().plusSeconds(4);
            while (Instant.now().isBefore(settle)) {
                records.poll(Duration.ofMillis(200));
            }

            // alerts: each state change once, none other
            Map<String, Long> changes = records.seen().stream().filter(r -> r.topic().equals(ALERTS))
                    .filter(r -> KafkaTestClient.json(r).path("labels").path("cluster").asText().equals(CLUSTER))
                    .collect(Collectors.groupingBy(r -> label(r, "alertname") + " " + label(r, "instance") + " " + status(r),
                            TreeMap::new, Collectors.counting()));
            assertThat(changes).containsExactlyEntriesOf(new TreeMap<>(Map.of(
                    "ReplicationSqlThreadStopped " + first.id() + " firing", 1L,
                    "ReplicationSqlThreadStopped " + first.id() + " resolved", 1L,
                    "ReplicationSqlThreadStopped " + second.id() + " firing", 1L,
                    "ReplicationSqlThreadStopped " + second.id() + " resolved", 1L)));
            assertThat(KafkaTestClient.json(resolvedA).path("startsAt").asText())
                    .isEqualTo(KafkaTestClient.json(firingA).path("startsAt").asText());
            Instant resolvedAEndsAt = Instant.parse(KafkaTestClient.json(resolvedA).path("endsAt").asText());
            assertThat(resolvedAEndsAt).as("A resolved on poll time, inside the outage").isBefore(brokerUp);

            // statuses: per instance, every sequence number once, and observedAt at the poll cadence
            Map<String, List<ConsumerRecord<String, String>>> recordsByInstance = new TreeMap<>();
            Map<String, List<JsonNode>> byInstance = new TreeMap<>();
            for (ConsumerRecord<String, String> r : records.seen()) {
                JsonNode s = r.topic().equals(STATUS) ? KafkaTestClient.json(r) : null;
                if (s != null && s.path("cluster").asText().equals(CLUSTER)) {
                    recordsByInstance.computeIfAbsent(s.path("instance").asText(), k -> new java.util.ArrayList<>()).add(r);
                    byInstance.computeIfAbsent(s.path("instance").asText(), k -> new java.util.ArrayList<>()).add(s);
                }
            }
            assertThat(byInstance).containsOnlyKeys(topology.all().stream().map(DbServer::id).toList());
            long lost = 0;
            long duplicates = 0;
            long duringOutage = 0;
            Duration widestGap = Duration.ZERO;
            List<String> slowPolls = new java.util.ArrayList<>();
            List<String> repeats = new java.util.ArrayList<>();
            java.util.Set<String> pollers = new java.util.TreeSet<>();
            for (Map.Entry<String, List<JsonNode>> e : byInstance.entrySet()) {
                List<JsonNode> statuses = e.getValue();
                pollers.add(statuses.get(0).path("poller").toString());
                // sequence numbers count per poller (node, group generation, process epoch): a group
                // that rebalanced while the broker was away hands the cluster over, here to this same
                // node under a new generation, and the new poller counts from 1 again
                Map<String, Integer> lastOfPoller = new java.util.HashMap<>();
                lastOfPoller.put(statuses.get(0).path("poller").toString(), 0);
                for (int i = 1; i < statuses.size(); i++) {
                    String poller = statuses.get(i).path("poller").toString();
                    Integer last = lastOfPoller.put(poller, i);
                    if (last == null) {
                        pollers.add(poller);
                    }
                    long step = last == null ? 1
                            : statuses.get(i).path("sequence").asLong() - statuses.get(last).path("sequence").asLong();
                    lost += Math.max(0, step - 1);
                    if (step <= 0) {
                        duplicates++;
                        ConsumerRecord<String, String> before = recordsByInstance.get(e.getKey()).get(last);
                        ConsumerRecord<String, String> again = recordsByInstance.get(e.getKey()).get(i);
                        repeats.add(String.format("%s: seq %d of %s at %s-%d offset %d (written %s) after seq %d at offset %d (written %s)",
                                e.getKey(), statuses.get(i).path("sequence").asLong(), poller, again.topic(), again.partition(),
                                again.offset(), Instant.ofEpochMilli(again.timestamp()),
                                statuses.get(last).path("sequence").asLong(), before.offset(),
                                Instant.ofEpochMilli(before.timestamp())));
                    }
                    Instant previous = Instant.parse(statuses.get(i - 1).path("observedAt").asText());
                    Duration gap = Duration.between(previous, Instant.parse(statuses.get(i).path("observedAt").asText()));
                    if (previous.isBefore(Instant.ofEpochMilli(firingA.timestamp()))) {
                        continue; // the cadence is judged from the first alert on, not through the service's start-up
                    }
                    widestGap = gap.compareTo(widestGap) > 0 ? gap : widestGap;
                    if (gap.toMillis() > 1500) {
                        slowPolls.add(String.format("%s: %d ms before the status of %s (seq %d, pollMillis %d, broker stopped %s, up %s)",
                                e.getKey(), gap.toMillis(), statuses.get(i).path("observedAt").asText(),
                                statuses.get(i).path("sequence").asLong(), statuses.get(i).path("pollMillis").asLong(),
                                stoppedAt, brokerUp));
                    }
                }
                long inOutage = statuses.stream().map(s -> Instant.parse(s.path("observedAt").asText()))
                        .filter(t -> t.isAfter(stoppedAt) && t.isBefore(brokerUp)).count();
                duringOutage += inOutage;
                assertThat(inOutage).as("statuses of %s polled while the broker was down", e.getKey())
                        .isGreaterThanOrEqualTo(OUTAGE.toSeconds() - 2);
            }
            assertThat(lost).as("statuses lost (sequence gaps)").isZero();
            assertThat(duplicates).as("statuses repeated (broker stopped %s, up %s): %s", stoppedAt, brokerUp, repeats).isZero();
            // 1 s polls; a status never waits for the broker, so no gap comes near the outage's length
            assertThat(widestGap).as("widest observedAt gap; slow: %s", slowPolls).isLessThan(Duration.ofMillis(2500));

            String figures = String.format("""
                    broker restart under a running service (packaged jar, MariaDB source + 2 replicas, 1 s polls)
                    graceful stop (SIGTERM to the broker, container exited): %d ms; broker down for %d ms; docker start to broker answering: %d ms
                    broker answering to the engine resumed (first alert change of the outage written): %d ms
                    the outage's alert changes on the alerts topic after the broker answered: A resolved %d ms, B firing %d ms
                    statuses polled during the outage: %d (3 instances); lost: %d; repeated: %d; widest observedAt gap: %d ms
                    alert state changes: %s (each exactly once)
                    pollers (node, group generation) that wrote the statuses: %d%s
                    """, stopMillis, Duration.between(stoppedAt, brokerUp).toMillis(), brokerStart.toMillis(),
                    engineResumed.toMillis(), resolvedAAfter.toMillis(), firingBAfter.toMillis(), duringOutage, lost, duplicates,
                    widestGap.toMillis(), changes.keySet(), pollers.size(),
                    pollers.size() > 1 ? " (the status group rebalanced once the broker was back: its session had expired)" : "");
            System.out.print(figures);
            Files.createDirectories(Path.of("target/reliability"));
            Files.writeString(Path.of("target/reliability/broker-restart.txt"), figures);
        }
        assertThat(Files.readString(work.resolve("service.log"))).doesNotContain(Topology.MONITOR_PASSWORD);
    }

    private PackagedService launch(Path work, String bootstrap, int http) throws IOException {
        Path config = work.resolve("inventory.yaml");
        StringBuilder yaml = new StringBuilder("sentinel:\n  clusters:\n    " + CLUSTER + ":\n      user: "
                + Topology.MONITOR_USER + "\n      password: ${RESTART_LAB_PASSWORD}\n      instances:\n");
        List<DbServer> all = topology.all();
        for (int i = 0; i < all.size(); i++) {
            yaml.append("        - host: ").append(all.get(i).host()).append("\n          port: ").append(all.get(i).port())
                    .append("\n          role: ").append(i == 0 ? "primary" : "replica").append('\n');
        }
        Files.writeString(config, yaml);
        return PackagedService.with(config, work.resolve("service.log")).port(http).kafka(bootstrap)
                .env("RESTART_LAB_PASSWORD", Topology.MONITOR_PASSWORD)
                .env("SENTINEL_RULES_KEEP_FIRING_FOR", "3s")
                // this test counts every alert change on the topic: the binlog listeners (their own tests) stay off
                .env("SENTINEL_BINLOG_ENABLED", "false")
                .start();
    }

    private static java.util.function.Predicate<ConsumerRecord<String, String>> alert(DbServer replica, String status) {
        return r -> label(r, "alertname").equals("ReplicationSqlThreadStopped") && label(r, "instance").equals(replica.id())
                && status(r).equals(status);
    }

    private static String label(ConsumerRecord<String, String> r, String name) {
        return KafkaTestClient.json(r).path("labels").path(name).asText();
    }

    private static String status(ConsumerRecord<String, String> r) {
        return KafkaTestClient.json(r).path("status").asText();
    }
}
