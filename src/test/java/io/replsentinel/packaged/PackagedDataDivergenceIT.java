package io.replsentinel.packaged;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.replsentinel.lab.DbServer;
import io.replsentinel.lab.Faults;
import io.replsentinel.lab.Flavor;
import io.replsentinel.lab.MariaDbRelease;
import io.replsentinel.lab.Topology;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The data checker through the packaged jar, as the README runs it (embedded broker, a YAML
 * inventory, the checker switched on by environment variables), on one MySQL 9.7 pair, one MariaDB
 * 10.11 pair and a MariaDB 11.8 source with a 10.11 replica, all watched by one service: on both
 * flavors a row changed, a row deleted and a row added on the replica outside the binary log fire
 * DataDivergence naming each row and resolve after the repair, a table without a key is listed as
 * skipped, and steady writes while it checks raise nothing; the mixed-version pair checks clean.
 */
class PackagedDataDivergenceIT {

    private static final String SCHEMA = "divcheck";
    private static final ObjectMapper JSON = new ObjectMapper();
    private final List<PackagedService> started = new ArrayList<>();

    @AfterEach
    void stopWhatWasStarted() {
        started.forEach(PackagedService::close);
    }

    @Test
    void rowsChangedDeletedAndAddedOnBothFlavors_areNamedAndResolve_keylessTablesSkipped_writesAndMixedVersionsClean()
            throws Exception {
        Path work = Files.createTempDirectory(Path.of("target"), "packaged-divergence-");
        int port = PackagedService.freePort();
        CompletableFuture<Topology> my = CompletableFuture.supplyAsync(() -> Topology.mysql(1));
        CompletableFuture<Topology> maria = CompletableFuture.supplyAsync(() -> Topology.mariadb(1));
        CompletableFuture<Topology> sk = CompletableFuture.supplyAsync(() -> Topology.builder(Flavor.MARIADB)
                .replicas(1).release(0, MariaDbRelease.V11_8).option(0, "skip-character-set-client-handshake").build());
        try (Topology mysql = my.join(); Topology mariadb = maria.join(); Topology skew = sk.join()) {
            Map<String, Topology> clusters = new TreeMap<>(Map.of("orders-mysql", mysql, "orders-mariadb", mariadb,
                    "orders-skew", skew));
            Path config = work.resolve("inventory.yaml");
            StringBuilder yaml = new StringBuilder("sentinel:\n  clusters:\n");
            clusters.forEach((name, t) -> {
                yaml.append("    ").append(name).append(":\n      user: ").append(Topology.MONITOR_USER)
                        .append("\n      password: ").append(Topology.MONITOR_PASSWORD).append("\n      instances:\n");
                yaml.append("        - {host: ").append(t.source().host()).append(", port: ").append(t.source().port())
                        .append(", role: primary}\n");
                DbServer r = t.replicas().get(0);
                yaml.append("        - {host: ").append(r.host()).append(", port: ").append(r.port()).append(", role: replica}\n");
            });
            Files.writeString(config, yaml.toString());
            for (Topology t : clusters.values()) {
                createItems(t, "items", 3000);
                t.source().exec("CREATE TABLE " + SCHEMA + ".nokey (a INT, b VARCHAR(10))",
                        "INSERT INTO " + SCHEMA + ".nokey VALUES (1, 'x'), (1, 'x')");
                t.awaitReplicasCaughtUp(Duration.ofSeconds(60));
            }

            launch(config, work.resolve("kafka"), port, work.resolve("service.log")).awaitReady(Duration.ofSeconds(90));

            // steady writes on both flavors' busy tables while the faults below are found and repaired
            for (Topology t : List.of(mysql, mariadb)) {
                createItems(t, "busy", 2000);
            }
            AtomicReference<Throwable> failure = new AtomicReference<>();
            AtomicInteger written = new AtomicInteger();
            List<Thread> writers = new ArrayList<>();
            long writeUntil = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            for (Topology t : List.of(mysql, mariadb)) {
                Thread w = new Thread(() -> write(t, writeUntil, written, failure), "busy-writer-" + t.flavor());
                w.start();
                writers.add(w);
            }

            Map<String, String> expected = Map.of("778", "changed", "1500", "missing_on_replica", "9000", "extra_on_replica");
            for (String cluster : List.of("orders-mysql", "orders-mariadb")) {
                Topology t = clusters.get(cluster);
                DbServer replica = t.replicas().get(0);
                new Faults(t).execUnlogged(replica,
                        "UPDATE " + SCHEMA + ".items SET qty = NULL WHERE id = 778",
                        "DELETE FROM " + SCHEMA + ".items WHERE id = 1500",
                        "INSERT INTO " + SCHEMA + ".items (id, name) VALUES (9000, 'replica only')");
            }
            for (String cluster : List.of("orders-mysql", "orders-mariadb")) {
                DbServer replica = clusters.get(cluster).replicas().get(0);
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                    JsonNode alert = divergence(port, cluster, replica.id(), SCHEMA + ".items");
                    assertThat(alert).as("DataDivergence on " + cluster).isNotNull();
                    assertThat(alert.path("labels").path("severity").asText()).isEqualTo("critical");
                    assertThat(differingKeys(alert)).isEqualTo(expected);
                });
                JsonNode report = json(PackagedService.get(port, "/api/divergence/" + cluster));
                Set<String> skipped = new HashSet<>();
                report.path("skipped").forEach(s -> skipped.add(s.path("table").asText()));
                assertThat(skipped).as(cluster + " skipped tables").contains(SCHEMA + ".nokey");
            }
            for (String cluster : List.of("orders-mysql", "orders-mariadb")) {
                Topology t = clusters.get(cluster);
                new Faults(t).execUnlogged(t.replicas().get(0),
                        "UPDATE " + SCHEMA + ".items SET qty = 778 * 3 WHERE id = 778",
                        "INSERT INTO " + SCHEMA + ".items SELECT " + values("1500"),
                        "DELETE FROM " + SCHEMA + ".items WHERE id = 9000");
            }
            for (String cluster : List.of("orders-mysql", "orders-mariadb")) {
                DbServer replica = clusters.get(cluster).replicas().get(0);
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                        assertThat(divergence(port, cluster, replica.id(), SCHEMA + ".items")).as("resolved on " + cluster).isNull());
            }

            for (Thread w : writers) {
                w.join();
            }
            assertThat(failure.get()).isNull();
            assertThat(written.get()).as("writes while checking").isGreaterThan(200);
            // nothing about the busy tables, firing or recently resolved, on either flavor
            JsonNode alerts = json(PackagedService.get(port, "/api/alerts"));
            List<String> busy = new ArrayList<>();
            alerts.forEach(a -> {
                if (a.path("labels").path("alertname").asText().equals("DataDivergence")
                        && a.path("labels").path("table").asText().startsWith(SCHEMA + ".busy")) {
                    busy.add(a.toString());
                }
            });
            assertThat(busy).as("DataDivergence under steady writes").isEmpty();
            assertThat(chunks(port, "orders-mysql", "match")).isGreaterThan(0);
            assertThat(chunks(port, "orders-mariadb", "match")).isGreaterThan(0);

            // the 11.8 source and its 10.11 replica: equal data, every chunk equal, nothing raised
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                    assertThat(chunks(port, "orders-skew", "match")).isGreaterThanOrEqualTo(3));
            assertThat(chunks(port, "orders-skew", "differ")).isZero();
            assertThat(json(PackagedService.get(port, "/api/divergence/orders-skew")).path("diverged")).isEmpty();
            assertThat(divergence(port, "orders-skew", skew.replicas().get(0).id(), SCHEMA + ".items")).isNull();
        }
    }

    private PackagedService launch(Path config, Path dataDir, int httpPort, Path log) throws IOException {
        PackagedService p = PackagedService.with(config, log).port(httpPort).embeddedKafka(dataDir)
                .env("SENTINEL_EMBEDDED_KAFKA_PORT", Integer.toString(PackagedService.freePort()))
                // the checker as an operator switches it on; short cadences so a repair resolves within the test
                .env("SENTINEL_DIVERGENCE_ENABLED", "true")
                .env("SENTINEL_DIVERGENCE_INCLUDE_SCHEMAS", SCHEMA)
                .env("SENTINEL_DIVERGENCE_REPORT_KEY_VALUES", "true")
                .env("SENTINEL_DIVERGENCE_SCAN_INTERVAL", "1s")
                .env("SENTINEL_DIVERGENCE_RECHECK_INTERVAL", "1s")
                .env("SENTINEL_DIVERGENCE_PAUSE_FOR", "1s")
                .env("SENTINEL_RULES_KEEP_FIRING_FOR", "2s")
                .env("SENTINEL_BINLOG_ENABLED", "false")
                .start();
        started.add(p);
        return p;
    }

    /** Random updates, deletes and inserts on a busy table of the source, every 40 ms, until {@code until}. */
    private static void write(Topology t, long until, AtomicInteger written, AtomicReference<Throwable> failure) {
        Random random = new Random(t.flavor().ordinal());
        String table = SCHEMA + ".busy";
        try {
            while (System.nanoTime() < until) {
                int id = 1 + random.nextInt(2500);
                switch (random.nextInt(3)) {
                    case 0 -> t.source().exec("UPDATE " + table + " SET qty = qty + 1, note = 'u" + written.get()
                            + "' WHERE id = " + id);
                    case 1 -> t.source().exec("DELETE FROM " + table + " WHERE id = " + id);
                    default -> t.source().exec("INSERT INTO " + table + " (id, name) VALUES (" + id
                            + ", 'w') ON DUPLICATE KEY UPDATE name = 'w2'");
                }
                written.incrementAndGet();
                Thread.sleep(40);
            }
        } catch (Throwable e) {
            failure.set(e);
        }
    }

    private static void createItems(Topology t, String name, int rows) {
        String table = SCHEMA + "." + name;
        t.source().exec("CREATE DATABASE IF NOT EXISTS " + SCHEMA,
                "CREATE TABLE " + table + " (id INT PRIMARY KEY, name VARCHAR(64) NOT NULL, qty INT NULL,"
                        + " note TEXT NULL, price DECIMAL(10,2) NULL, at DATETIME(3) NULL)",
                "INSERT INTO " + table + " WITH RECURSIVE d(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM d WHERE n < 9),"
                        + " seq(n) AS (SELECT a.n + 10 * b.n + 100 * c.n + 1000 * e.n + 1 FROM d a, d b, d c, d e)"
                        + " SELECT " + values("n") + " FROM seq WHERE n <= " + rows);
        t.awaitReplicasCaughtUp(Duration.ofSeconds(60));
    }

    private static String values(String n) {
        return String.format("%1$s, CONCAT('item-', %1$s, ' \u00e9\u00df\u6f22'), IF(%1$s %% 7 = 0, NULL, %1$s * 3),"
                + " IF(%1$s %% 5 = 0, NULL, REPEAT('x', %1$s %% 40)), %1$s / 4,"
                + " '2026-01-02 03:04:05.678' + INTERVAL %1$s MINUTE", n);
    }

    /** The firing DataDivergence alert of a replica's table, as the API shows the cluster; null when none fires. */
    private static JsonNode divergence(int port, String cluster, String instance, String table) throws Exception {
        for (JsonNode a : json(PackagedService.get(port, "/api/clusters/" + cluster)).path("firingAlerts")) {
            JsonNode l = a.path("labels");
            if (l.path("alertname").asText().equals("DataDivergence") && l.path("instance").asText().equals(instance)
                    && l.path("table").asText().equals(table)) {
                return a;
            }
        }
        return null;
    }

    private static Map<String, String> differingKeys(JsonNode alert) {
        Map<String, String> keys = new TreeMap<>();
        for (JsonNode range : alert.path("evidence").path("ranges")) {
            for (JsonNode k : range.path("differingKeys")) {
                keys.put(k.path("key").get(0).asText(), k.path("kind").asText());
            }
        }
        return keys;
    }

    /** {@code sentinel_divergence_chunks_total{cluster,outcome}} as the service exports it now. */
    private static double chunks(int port, String cluster, String outcome) throws Exception {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("^sentinel_divergence_chunks_total\\{cluster=\""
                + java.util.regex.Pattern.quote(cluster) + "\",outcome=\"" + outcome + "\",?} (\\S+)$",
                java.util.regex.Pattern.MULTILINE).matcher(PackagedService.get(port, "/q/metrics"));
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    private static JsonNode json(String text) throws IOException {
        return JSON.readTree(text);
    }
}
