package io.replsentinel.packaged;

import com.fasterxml.jackson.databind.JsonNode;
import io.replsentinel.kafka.EmbeddedKafkaBroker;
import io.replsentinel.kafka.KafkaTestClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The README's run command, for real: the packaged jar with nothing but a YAML inventory starts its
 * embedded Kafka broker, polls, alerts, stops on SIGTERM and starts again on the same data; a Kafka
 * named in the YAML is used instead of the embedded broker; a malformed inventory stops it at once
 * with the key named.
 */
class PackagedServiceIT {

    private static final Path JAR = Path.of("target/quarkus-app/quarkus-run.jar");
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private final List<Process> started = new ArrayList<>();

    @AfterEach
    void stopWhatWasStarted() throws InterruptedException {
        for (Process p : started) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private Process launch(Path config, Path dataDir, int httpPort, Path log) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-jar", JAR.toString());
        Map<String, String> env = pb.environment();
        env.remove("KAFKA_BOOTSTRAP_SERVERS");
        env.put("QUARKUS_CONFIG_LOCATIONS", config.toString());
        env.put("SENTINEL_EMBEDDED_KAFKA_DATA_DIR", dataDir.toString());
        env.put("QUARKUS_HTTP_PORT", Integer.toString(httpPort));
        env.put("ORDERS_MONITOR_PASSWORD", "never-printed-pw");
        pb.redirectErrorStream(true).redirectOutput(log.toFile());
        Process p = pb.start();
        started.add(p);
        return p;
    }

    @Test
    void runCommand_startsEmbeddedBrokerPollsSampleInventoryAndSurvivesRestart() throws Exception {
        Path work = Files.createTempDirectory(Path.of("target"), "packaged-");
        Path dataDir = work.resolve("kafka");
        int port = freePort();
        Process first = launch(Path.of("config/sample-inventory.yaml").toAbsolutePath(), dataDir, port, work.resolve("first.log"));

        awaitReady(port, first);
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            assertThat(get(port, "/q/metrics")).contains("mysql_instance_up{cluster=\"orders\",instance=\"127.0.0.1:13306\"} 0.0");
            assertThat(get(port, "/api/alerts")).contains("\"alertname\":\"InstanceUnreachable\"")
                    .contains("\"instance\":\"127.0.0.1:13306\"").contains("\"cause\":\"refused\"");
        });
        assertThat(Files.readString(work.resolve("first.log"))).contains("started the embedded Kafka broker")
                .doesNotContain("never-printed-pw").doesNotContain("NoClassDefFoundError");

        first.destroy();
        assertThat(first.waitFor(30, TimeUnit.SECONDS)).as("stops on SIGTERM").isTrue();

        Process second = launch(Path.of("config/sample-inventory.yaml").toAbsolutePath(), dataDir, port, work.resolve("second.log"));
        awaitReady(port, second);
        assertThat(Files.readString(work.resolve("second.log"))).doesNotContain("Created Kafka topics");
    }

    @Test
    void kafkaInTheYaml_isUsed_andNoEmbeddedBrokerStarts() throws Exception {
        Path work = Files.createTempDirectory(Path.of("target"), "packaged-kafka-");
        Path embeddedDir = work.resolve("embedded-kafka");
        int unreachable = freePort();
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
            int port = freePort();
            Process p = launch(config, embeddedDir, port, work.resolve("kafka.log"));
            awaitReady(port, p);
            try (KafkaTestClient kafka = KafkaTestClient.fromBeginning(users.bootstrapServers(), "mysql.replication.status")) {
                JsonNode status = KafkaTestClient.json(kafka.awaitRecord("mysql.replication.status",
                        r -> KafkaTestClient.json(r).path("cluster").asText().equals("yaml-kafka"), Duration.ofSeconds(60)));
                assertThat(status.path("instance").asText()).isEqualTo("127.0.0.1:" + unreachable);
                assertThat(status.path("reachable").asBoolean(true)).isFalse();
            }
            assertThat(Files.readString(work.resolve("kafka.log"))).doesNotContain("started the embedded Kafka broker")
                    .doesNotContain("never-printed-pw");
            assertThat(embeddedDir).as("no embedded broker data").doesNotExist();
            p.destroy(); // before the broker it writes to goes away
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("stops on SIGTERM").isTrue();
        }
    }

    @Test
    void composeInventory_startsTheService_whichServesConsoleAndRunbooks_andReadsComposeHostsAsUnresolvableHere() throws Exception {
        Path work = Files.createTempDirectory(Path.of("target"), "packaged-compose-");
        int port = freePort();
        // the very file docker-compose.yml mounts into the service's container
        Process p = launch(Path.of("deploy/compose/inventory.yaml").toAbsolutePath(), work.resolve("kafka"), port,
                work.resolve("compose.log"));
        awaitReady(port, p);
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(get(port, "/api/alerts"))
                .contains("\"instance\":\"db-source:3306\"").contains("\"cause\":\"unresolvable\""));
        assertThat(get(port, "/")).contains("<title>repl-sentinel</title>").contains("console.js");
        assertThat(get(port, "/console.js")).contains("/api/clusters");
        // docs/runbooks.md travels inside the packaged application
        assertThat(get(port, "/runbooks")).contains("<h2 id=\"replicasourcemismatch\">ReplicaSourceMismatch</h2>");
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
        Process p = launch(config, work.resolve("kafka"), freePort(), work.resolve("bad.log"));
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("exits").isTrue();
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
        Process p = launch(config, work.resolve("kafka"), freePort(), work.resolve("dup.log"));
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("exits").isTrue();
        assertThat(p.exitValue()).isNotZero();
        assertThat(Files.readString(work.resolve("dup.log")))
                .contains("sentinel.clusters.orders.instances[1]").contains("db1:3306 is listed twice");
    }

    private static void awaitReady(int port, Process p) {
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).ignoreExceptions().untilAsserted(() -> {
            assertThat(p.isAlive()).as("service process alive").isTrue();
            assertThat(get(port, "/q/health/ready")).contains("\"status\": \"UP\"");
        });
    }

    private static String get(int port, String path) throws IOException, InterruptedException {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        return r.body();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
