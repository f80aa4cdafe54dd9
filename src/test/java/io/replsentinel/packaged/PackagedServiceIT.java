package io.replsentinel.packaged;

import com.fasterxml.jackson.databind.JsonNode;
import io.replsentinel.kafka.EmbeddedKafkaBroker;
import io.replsentinel.kafka.KafkaTestClient;
import io.replsentinel.lab.AlertmanagerProcess;
import io.replsentinel.lab.DbServer;
import io.replsentinel.lab.Faults;
import io.replsentinel.lab.Topology;
import io.replsentinel.pipeline.SlackReceiver;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The README's run command, for real: the packaged jar with nothing but a YAML inventory starts its
 * embedded Kafka broker, polls, alerts, stops on SIGTERM and starts again on the same data; a Kafka
 * named in the YAML is used instead of the embedded broker; a malformed inventory stops it at once
 * with the key named; and alerts on a real topology keep their state across a SIGTERM and a
 * SIGKILL, as the topic, Slack and a real Alertmanager see it, with the password nowhere in what
 * the service wrote or answered.
 */
class PackagedServiceIT {

    /** The monitoring password: no log, record, metric or API answer may ever show it. */
    static final String SECRET = "never-printed-pw";
    /** Ready within 90 s: a start beside real servers on a loaded two-core machine has taken over 40 s. */
    private static final Duration READY = Duration.ofSeconds(90);
    private final List<PackagedService> started = new ArrayList<>();

    @AfterEach
    void stopWhatWasStarted() {
        started.forEach(PackagedService::close);
    }

    private PackagedService launch(Path config, Path dataDir, int httpPort, Path log) throws IOException {
        return launch(config, dataDir, httpPort, log, Map.of());
    }

    private PackagedService launch(Path config, Path dataDir, int httpPort, Path log, Map<String, String> settings) throws IOException {
        PackagedService p = PackagedService.with(config, log).port(httpPort).embeddedKafka(dataDir)
                .env("ORDERS_MONITOR_PASSWORD", SECRET).env(settings).start();
        started.add(p);
        return p;
    }

    @Test
    void runCommand_startsEmbeddedBrokerPollsSampleInventoryAndSurvivesRestart() throws Exception {
        Path work = Files.createTempDirectory(Path.of("target"), "packaged-");
        Path dataDir = work.resolve("kafka");
        int port = PackagedService.freePort();
        PackagedService first = launch(Path.of("config/sample-inventory.yaml").toAbsolutePath(), dataDir, port, work.resolve("first.log"));

        first.awaitReady(READY);
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            assertThat(PackagedService.get(port, "/q/metrics")).contains("mysql_instance_up{cluster=\"orders\",instance=\"127.0.0.1:13306\"} 0.0");
            assertThat(PackagedService.get(port, "/api/alerts")).contains("\"alertname\":\"InstanceUnreachable\"")
                    .contains("\"instance\":\"127.0.0.1:13306\"").contains("\"cause\":\"refused\"");
        });
        assertThat(Files.readString(work.resolve("first.log"))).contains("started the embedded Kafka broker")
                .doesNotContain("NoClassDefFoundError");
        assertNoSecret("first.log", Files.readString(work.resolve("first.log")));

        assertThat(first.terminate(Duration.ofSeconds(30))).as("stops on SIGTERM").isTrue();

        PackagedService second = launch(Path.of("config/sample-inventory.yaml").toAbsolutePath(), dataDir, port, work.resolve("second.log"));
        second.awaitReady(READY);
        assertThat(Files.readString(work.resolve("second.log"))).doesNotContain("Created Kafka topics");
    }

    @Test
    void kafkaInTheYaml_isUsed_andNoEmbeddedBrokerStarts() throws Exception {
        Path work = Files.createTempDirectory(Path.of("target"), "packaged-kafka-");
        Path embeddedDir = work.resolve("embedded-kafka");
        int unreachable = PackagedService.freePort();
        try (EmbeddedKafkaBroker users = EmbeddedKafkaBroker.start(work.resolve("users-kafka"), 0)) {
            Path config = work.resolve("with-kafka.yaml");
            Files.writeString(config, """
                    kafka:
                      bootstrap:
                        servers: %s
                    sentinel:
                      clusters:
                        yaml-kafka:
                          user: sentinel
                          password: never-printed-pw
                          instances:
                            - host: 127.0.0.1
                              port: %d
                    """.formatted(users.bootstrapServers(), unreachable));
            int port = PackagedService.freePort();
            PackagedService p = launch(config, embeddedDir, port, work.resolve("kafka.log"));
            p.awaitReady(READY);
            try (KafkaTestClient kafka = KafkaTestClient.fromBeginning(users.bootstrapServers(), "mysql.replication.status")) {
                JsonNode status = KafkaTestClient.json(kafka.awaitRecord("mysql.replication.status",
                        r -> KafkaTestClient.json(r).path("cluster").asText().equals("yaml-kafka"), Duration.ofSeconds(60)));
                assertThat(status.path("instance").asText()).isEqualTo("127.0.0.1:" + unreachable);
                assertThat(status.path("reachable").asBoolean(true)).isFalse();
            }
            assertThat(Files.readString(work.resolve("kafka.log"))).doesNotContain("started the embedded Kafka broker")
                    .doesNotContain("never-printed-pw");
            assertThat(embeddedDir).as("no embedded broker data").doesNotExist();
            // before the broker it writes to goes away
            assertThat(p.terminate(Duration.ofSeconds(30))).as("stops on SIGTERM").isTrue();
        }
    }

    @Test
    void composeInventory_startsTheService_whichServesConsoleAndRunbooks_andReadsComposeHostsAsUnresolvableHere() throws Exception {
        Path work = Files.createTempDirectory(Path.of("target"), "packaged-compose-");
        int port = PackagedService.freePort();
        // the very file docker-compose.yml mounts into the service's container
        PackagedService p = launch(Path.of("deploy/compose/inventory.yaml").toAbsolutePath(), work.resolve("kafka"), port,
                work.resolve("compose.log"));
        p.awaitReady(READY);
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(PackagedService.get(port, "/api/alerts"))
                .contains("\"instance\":\"db-source:3306\"").contains("\"cause\":\"unresolvable\""));
        assertThat(PackagedService.get(port, "/")).contains("<title>repl-sentinel</title>").contains("console.js");
        assertThat(PackagedService.get(port, "/console.js")).contains("/api/clusters");
        // docs/runbooks.md travels inside the packaged application
        assertThat(PackagedService.get(port, "/runbooks")).contains("<h2 id=\"replicasourcemismatch\">ReplicaSourceMismatch</h2>");
    }

    @Test
    void malformedInventory_stopsStartupNamingTheKey() throws Exception {
        Path work = Files.createTempDirectory(Path.of("target"), "packaged-bad-");
        Path config = work.resolve("bad.yaml");
        Files.writeString(config, """
                sentinel:
                  clusters:
                    orders:
                      user: sentinel
                      password: never-printed-pw
                      instances:
                        - host: 10.0.0.11
                          port: 33o6
                """);
        PackagedService p = launch(config, work.resolve("kafka"), PackagedService.freePort(), work.resolve("bad.log"));
        assertThat(p.awaitExit(Duration.ofSeconds(60))).as("exits").isTrue();
        assertThat(p.exitValue()).isNotZero();
        assertThat(Files.readString(work.resolve("bad.log")))
                .contains("sentinel.clusters.orders.instances[0].port")
                .doesNotContain("never-printed-pw");
    }

    @Test
    void duplicateInstance_stopsStartupNamingBothEntries() throws Exception {
        Path work = Files.createTempDirectory(Path.of("target"), "packaged-dup-");
        Path config = work.resolve("dup.yaml");
        Files.writeString(config, """
                sentinel:
                  clusters:
                    orders:
                      user: sentinel
                      instances:
                        - host: db1
                        - host: db1
                          port: 3306
                """);
        PackagedService p = launch(config, work.resolve("kafka"), PackagedService.freePort(), work.resolve("dup.log"));
        assertThat(p.awaitExit(Duration.ofSeconds(60))).as("exits").isTrue();
        assertThat(p.exitValue()).isNotZero();
        assertThat(Files.readString(work.resolve("dup.log")))
                .contains("sentinel.clusters.orders.instances[1]").contains("db1:3306 is listed twice");
    }

    private static final String SQL_THREAD_STOPPED = "ReplicationSqlThreadStopped";
    private static final String WRITABLE = "MultipleWritablePrimaries";
    private static final String ALERTS = "mysql.replication.alerts";
    private static final String WEBHOOK_SECRET = "lab-webhook-secret";

    /**
     * One real MariaDB source and replica, a real Alertmanager and a Slack webhook; the replica's
     * applier broken for the whole test (one alert that must stay one) and the replica made writable
     * before each stop and read-only again while the service is down (an alert that must resolve
     * after the restart). First a SIGTERM while Slack answers 500 (what its outbox holds must arrive
     * after the restart), then a SIGKILL, on the same embedded broker's data.
     */
    @Test
    void alertsKeepTheirStateAcrossSigtermAndSigkill_oneContinuousAlertEverywhereAndNoSecretAnywhere() throws Exception {
        Path work = Files.createTempDirectory(Path.of("target"), "packaged-restart-");
        Path dataDir = work.resolve("kafka");
        int port = PackagedService.freePort();
        int kafkaPort = PackagedService.freePort();
        String bootstrap = "127.0.0.1:" + kafkaPort;
        try (Topology topology = Topology.mariadb(1);
             AlertmanagerProcess alertmanager = AlertmanagerProcess.start();
             SlackReceiver slack = new SlackReceiver()) {
            DbServer source = topology.source();
            DbServer replica = topology.replicas().get(0);
            Faults faults = new Faults(topology);
            source.exec("ALTER USER '" + Topology.MONITOR_USER + "'@'%' IDENTIFIED BY '" + SECRET + "'");
            topology.awaitReplicasCaughtUp(Duration.ofSeconds(30));
            Path config = work.resolve("inventory.yaml");
            Files.writeString(config, String.join("\n",
                    "sentinel:",
                    "  clusters:",
                    "    orders:",
                    "      user: " + Topology.MONITOR_USER,
                    "      password: ${ORDERS_MONITOR_PASSWORD}",
                    "      instances:",
                    "        - host: " + source.host(),
                    "          port: " + source.port(),
                    "          role: primary",
                    "        - host: " + replica.host(),
                    "          port: " + replica.port(),
                    "          role: replica",
                    ""));
            Map<String, String> settings = new LinkedHashMap<>();
            settings.put("SENTINEL_EMBEDDED_KAFKA_PORT", Integer.toString(kafkaPort));
            settings.put("SENTINEL_ALERTMANAGER_URL", alertmanager.url());
            // the default resend (30 s) gives firing alerts an endsAt two minutes ahead: Alertmanager holds them through the restarts
            settings.put("SENTINEL_SLACK_WEBHOOK_URL", slack.webhookUrl());
            // resolutions within seconds; the lifecycle's own timers are what the restarts must keep
            settings.put("SENTINEL_RULES_KEEP_FIRING_FOR", "2s");
            // the alert changes of this pair are counted: the binlog listeners (their own tests) stay off
            settings.put("SENTINEL_BINLOG_ENABLED", "false");

            // 1. both faults fire while Slack answers 500
            slack.failWith(500);
            PackagedService first = launch(config, dataDir, port, work.resolve("first.log"), settings);
            first.awaitReady(READY);
            faults.duplicateKeyOnReplica(replica, 100);
            faults.makeWritable(replica);
            JsonNode broken = awaitAlert(bootstrap, a -> is(a, "firing", SQL_THREAD_STOPPED, replica));
            JsonNode writable = awaitAlert(bootstrap, a -> is(a, "firing", WRITABLE, replica));
            String brokenFp = broken.path("fingerprint").asText();
            String writableFp = writable.path("fingerprint").asText();
            Instant startsAt = Instant.parse(broken.path("startsAt").asText());
            Instant amStart = startsAt.truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
            String brokenInAm = AlertmanagerProcess.fingerprint(labels(broken));
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
                assertThat(amStartsAt(alertmanager, brokenInAm)).isEqualTo(amStart);
                assertThat(slack.refused()).as("Slack was tried").isPositive();
            });
            assertThat(slackMessages(slack, brokenFp, "[FIRING]")).isEmpty();

            // 2. SIGTERM with Slack's outbox full: it is kept in the alert state. Slack comes back and
            //    the writable replica is repaired while the service is down
            assertThat(first.terminate(Duration.ofSeconds(60))).as("stops on SIGTERM").isTrue();
            assertThat(Files.readString(work.resolve("first.log"))).contains("Stopping with undelivered alert changes for [slack]");
            slack.failWith(0);
            faults.makeReadOnly(replica);
            long launched = System.nanoTime();
            PackagedService second = launch(config, dataDir, port, work.resolve("second.log"), settings);
            long restoredMillis = awaitRestored(second, brokenFp, startsAt, launched);
            JsonNode resolvedAfterTerm = awaitAlert(bootstrap, a -> is(a, "resolved", WRITABLE, replica));
            assertThat(resolvedAfterTerm.path("fingerprint").asText()).isEqualTo(writableFp);
            assertThat(resolvedAfterTerm.path("startsAt").asText()).isEqualTo(writable.path("startsAt").asText());
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                    .until(() -> slackMessages(slack, writableFp, "[RESOLVED]").size() == 1);
            // what Slack missed before the SIGTERM arrived after the restart, once, before what came after it
            assertThat(slackMessages(slack, brokenFp, "[FIRING]")).hasSize(1);
            assertThat(slack.since(0).stream().filter(m -> m.toString().contains("fingerprint `" + writableFp + "`"))
                    .map(m -> m.path("text").asText().contains("[FIRING]") ? "firing" : "resolved").toList())
                    .containsExactly("firing", "resolved");
            // for a while after the restart, the broken applier is still the one alert it was
            await().during(Duration.ofSeconds(4)).atMost(Duration.ofSeconds(12)).pollInterval(Duration.ofMillis(500))
                    .untilAsserted(() -> {
                        assertThat(records(bootstrap, brokenFp, "firing")).as("firing records of the broken applier").hasSize(1);
                        assertThat(slackMessages(slack, brokenFp, "[FIRING]")).hasSize(1);
                        assertThat(amStartsAt(alertmanager, brokenInAm)).isEqualTo(amStart);
                    });
            assertThat(alertmanager.received()).contains(WRITABLE + "[" + AlertmanagerProcess.fingerprint(labels(writable))
                    .substring(0, 7) + "][resolved]");

            // 3. the replica writable again, then SIGKILL; repaired while the service is down
            faults.makeWritable(replica);
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
                assertThat(records(bootstrap, writableFp, "firing")).hasSize(2);
                assertThat(slackMessages(slack, writableFp, "[FIRING]")).hasSize(2);
            });
            second.kill();
            assertThat(second.isAlive()).as("killed").isFalse();
            faults.makeReadOnly(replica);
            launched = System.nanoTime();
            PackagedService third = launch(config, dataDir, port, work.resolve("third.log"), settings);
            long restoredAfterKillMillis = awaitRestored(third, brokenFp, startsAt, launched);
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                    .until(() -> records(bootstrap, writableFp, "resolved").size() >= 2);
            // a change a sink took just before the SIGKILL may be sent once more: one repeat at most
            assertThat(records(bootstrap, writableFp, "resolved").size()).isBetween(2, 3);
            await().during(Duration.ofSeconds(4)).atMost(Duration.ofSeconds(12)).pollInterval(Duration.ofMillis(500))
                    .untilAsserted(() -> assertThat(amStartsAt(alertmanager, brokenInAm)).isEqualTo(amStart));
            // SIGKILL can land between a sink taking a change and the state recording it: one repeat at most
            int firingDuplicates = records(bootstrap, brokenFp, "firing").size() - 1
                    + records(bootstrap, writableFp, "firing").size() - 2;
            int slackDuplicates = slackMessages(slack, brokenFp, "[FIRING]").size() - 1
                    + slackMessages(slack, writableFp, "[FIRING]").size() - 2;
            assertThat(firingDuplicates).as("repeated firing records after SIGKILL").isBetween(0, 1);
            assertThat(slackDuplicates).as("repeated Slack messages after SIGKILL").isBetween(0, 1);
            assertThat(records(bootstrap, brokenFp, "firing")).allSatisfy(r ->
                    assertThat(r.path("startsAt").asText()).isEqualTo(broken.path("startsAt").asText()));
            assertThat(alertmanager.received()).as("Alertmanager was never told the broken applier resolved")
                    .doesNotContain(SQL_THREAD_STOPPED + "[" + brokenInAm.substring(0, 7) + "][resolved]");
            System.out.printf("[restart] API shows the restored alert %d ms after launch following SIGTERM (restore itself %s), "
                            + "%d ms following SIGKILL (restore itself %s); repeated firing records %d, repeated Slack messages %d%n",
                    restoredMillis, restoreTook(work.resolve("second.log")), restoredAfterKillMillis,
                    restoreTook(work.resolve("third.log")), firingDuplicates, slackDuplicates);

            // 4. the password is in nothing the service wrote or answered, across all three runs
            for (String log : List.of("first.log", "second.log", "third.log")) {
                assertNoSecret(log, Files.readString(work.resolve(log)));
            }
            for (String path : List.of("/api/alerts", "/api/clusters", "/api/clusters/orders", "/q/metrics")) {
                assertNoSecret(path, PackagedService.get(port, path));
            }
            try (KafkaTestClient kafka = KafkaTestClient.fromBeginning(bootstrap, ALERTS, "mysql.replication.status",
                    "mysql.replication.alert-state", "mysql.replication.dlq")) {
                kafka.poll(Duration.ofSeconds(2));
                assertThat(kafka.seen()).as("records on the service's topics").isNotEmpty();
                kafka.seen().forEach(r -> assertNoSecret(r.topic(), r.key() + " " + r.value() + " " + r.headers()));
            }
            slack.since(0).forEach(m -> assertNoSecret("Slack", m.toString()));
            assertNoSecret("Alertmanager", alertmanager.alerts().toString());

            assertThat(third.terminate(Duration.ofSeconds(60))).as("stops on SIGTERM").isTrue();
            assertThat(Files.readString(work.resolve("third.log"))).doesNotContain("undelivered alert changes");
        }
    }

    /** What the service's log says its restore took. */
    private static String restoreTook(Path log) throws IOException {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("Restored the alert state of \\d+ cluster\\(s\\) on status "
                + "partition\\(s\\) \\[[^]]*] in (\\d+) ms").matcher(Files.readString(log));
        return m.find() ? m.group(1) + " ms" : "not logged";
    }

    /** Milliseconds from launch until the API shows the alert firing with its first startsAt again. */
    private static long awaitRestored(PackagedService p, String fingerprint, Instant startsAt, long launchedNanos) {
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(100)).ignoreExceptions().untilAsserted(() -> {
            assertThat(p.isAlive()).as("service process alive").isTrue();
            assertThat(p.get("/api/alerts?status=firing")).contains("\"fingerprint\":\"" + fingerprint + "\"")
                    .contains("\"startsAt\":\"" + startsAt + "\"");
        });
        return (System.nanoTime() - launchedNanos) / 1_000_000;
    }

    private static boolean is(JsonNode alert, String status, String alertname, DbServer instance) {
        return alert.path("status").asText().equals(status) && alert.path("labels").path("alertname").asText().equals(alertname)
                && alert.path("labels").path("instance").asText().equals(instance.id());
    }

    /** The first alert record from the beginning of the topic that matches. */
    private static JsonNode awaitAlert(String bootstrap, Predicate<JsonNode> match) {
        try (KafkaTestClient kafka = KafkaTestClient.fromBeginning(bootstrap, ALERTS)) {
            return KafkaTestClient.json(kafka.awaitRecord(ALERTS, r -> match.test(KafkaTestClient.json(r)), Duration.ofSeconds(60)));
        }
    }

    /** Every record of the alerts topic about one alert with this status. */
    private static List<JsonNode> records(String bootstrap, String fingerprint, String status) {
        try (KafkaTestClient kafka = KafkaTestClient.fromBeginning(bootstrap, ALERTS)) {
            List<JsonNode> all = new ArrayList<>();
            kafka.poll(Duration.ofSeconds(1));
            while (!kafka.poll(Duration.ofMillis(300)).isEmpty()) {
                // read to the end
            }
            for (ConsumerRecord<String, String> r : kafka.seen()) {
                JsonNode a = KafkaTestClient.json(r);
                if (r.key().equals(fingerprint) && a.path("status").asText().equals(status)) {
                    all.add(a);
                }
            }
            return all;
        }
    }

    private static List<JsonNode> slackMessages(SlackReceiver slack, String fingerprint, String status) {
        return slack.since(0).stream().filter(m -> m.toString().contains("fingerprint `" + fingerprint + "`")
                && m.path("text").asText().contains(status)).toList();
    }

    /** When Alertmanager thinks the alert started; null when it does not hold it. */
    private static Instant amStartsAt(AlertmanagerProcess alertmanager, String fingerprint) {
        return alertmanager.alerts().stream().filter(a -> fingerprint.equals(a.get("fingerprint")))
                .map(a -> Instant.parse(String.valueOf(a.get("startsAt"))).truncatedTo(java.time.temporal.ChronoUnit.MILLIS))
                .findFirst().orElse(null);
    }

    private static Map<String, String> labels(JsonNode alert) {
        Map<String, String> labels = new TreeMap<>();
        alert.path("labels").fields().forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
        return labels;
    }

    /** Neither the monitoring password nor the Slack webhook's secret path. */
    private static void assertNoSecret(String where, String text) {
        assertThat(text).as("what %s holds", where).doesNotContain(SECRET).doesNotContain(WEBHOOK_SECRET);
    }
}
