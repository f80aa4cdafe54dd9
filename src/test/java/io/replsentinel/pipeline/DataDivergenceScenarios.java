package io.replsentinel.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import io.replsentinel.event.SchemaCheck;
import io.replsentinel.kafka.KafkaTestClient;
import io.replsentinel.lab.DbServer;
import io.replsentinel.lab.Faults;
import io.replsentinel.lab.Topology;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The data checker on one flavor's real topology, through the whole pipeline (checker, divergence
 * topic, rules engine, alerts topic, API): rows changed, deleted and added on a replica outside the
 * binary log are found and named, and the alert resolves after the repair; steady writes while it
 * checks raise nothing; a table without a usable key is listed as skipped.
 */
abstract class DataDivergenceScenarios {

    static final String SCHEMA = "divcheck";
    static final String DIVERGENCE_TOPIC = "mysql.replication.divergence";
    static final String DATA_DIVERGENCE = "DataDivergence";
    static final String ALERT_STATE_TOPIC = "mysql.replication.alert-state";
    private static final AtomicInteger TABLES = new AtomicInteger();

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    abstract Topology topology();

    abstract String cluster();

    @AfterEach
    void dropCheckedSchema() {
        topology().source().exec("DROP DATABASE IF EXISTS " + SCHEMA);
        topology().awaitReplicasCaughtUp(Duration.ofSeconds(60));
    }

    /** A fresh table of {@code rows} rows (a text, a nullable number, a nullable text) on the source, replicated. */
    static String createItems(Topology t, String name, int rows) {
        String table = SCHEMA + "." + name + "_" + TABLES.incrementAndGet();
        t.source().exec("CREATE DATABASE IF NOT EXISTS " + SCHEMA,
                "CREATE TABLE " + table + " (id INT PRIMARY KEY, name VARCHAR(64) NOT NULL, qty INT NULL,"
                        + " note TEXT NULL, price DECIMAL(10,2) NULL, at DATETIME(3) NULL)",
                "INSERT INTO " + table + " WITH RECURSIVE d(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM d WHERE n < 9),"
                        + " seq(n) AS (SELECT a.n + 10 * b.n + 100 * c.n + 1000 * e.n + 1 FROM d a, d b, d c, d e)"
                        + " SELECT " + values("n") + " FROM seq WHERE n <= " + rows);
        t.awaitReplicasCaughtUp(Duration.ofSeconds(60));
        return table;
    }

    /** The generated row {@code n} of an items table, as SQL expressions of {@code n}. */
    static String values(String n) {
        return String.format("%1$s, CONCAT('item-', %1$s, ' \u00e9\u00df\u6f22'), IF(%1$s %% 7 = 0, NULL, %1$s * 3),"
                + " IF(%1$s %% 5 = 0, NULL, REPEAT('x', %1$s %% 40)), %1$s / 4,"
                + " '2026-01-02 03:04:05.678' + INTERVAL %1$s MINUTE", n);
    }

    @Test
    void rowsChangedDeletedAndAddedOnAReplica_fireDataDivergenceNamingEachRow_thenResolveAfterRepair() {
        DbServer replica = topology().replicas().get(0);
        Faults faults = new Faults(topology());
        try (AlertWatch alerts = new AlertWatch(bootstrapServers);
             KafkaTestClient findings = KafkaTestClient.fromEnd(bootstrapServers, DIVERGENCE_TOPIC);
             KafkaTestClient states = KafkaTestClient.fromEnd(bootstrapServers, ALERT_STATE_TOPIC)) {
            String table = createItems(topology(), "items", 3000);
            // the other replica must not be named: it has the source's rows
            faults.execUnlogged(replica,
                    "UPDATE " + table + " SET qty = NULL WHERE id = 778",
                    "DELETE FROM " + table + " WHERE id = 1500",
                    "INSERT INTO " + table + " (id, name) VALUES (9000, 'replica only')");

            ConsumerRecord<String, String> fired = alerts.firing(DATA_DIVERGENCE, replica.id(), Map.of("table", table));
            JsonNode alert = KafkaTestClient.json(fired);
            assertThat(FaultDetectionScenarios.labels(alert)).as(alert.toString()).isEqualTo(new TreeMap<>(Map.of(
                    "alertname", DATA_DIVERGENCE, "cluster", cluster(), "instance", replica.id(),
                    "severity", "critical", "table", table, "zone", "zone-1")));
            // delivered like a status's changes: first kept in the alert state as owed to each sink, then acked
            ConsumerRecord<String, String> owed = states.awaitRecord(ALERT_STATE_TOPIC,
                    r -> owedTo(r, fired.key()).contains("topic"), Duration.ofSeconds(10));
            assertThat(owed.key()).isEqualTo(cluster());
            assertThat(owedTo(owed, fired.key())).contains("store", "topic");
            states.awaitRecord(ALERT_STATE_TOPIC, r -> r.offset() > owed.offset() && r.partition() == owed.partition()
                    && owedTo(r, fired.key()).isEmpty(), Duration.ofSeconds(10));

            JsonNode ev = alert.path("evidence");
            assertThat(ev.path("schema").asText()).isEqualTo(SCHEMA);
            assertThat(ev.path("source").asText()).isEqualTo(topology().source().id());
            assertThat(ev.path("foundBy").asText()).isEqualTo("scheduled");
            assertThat(ev.path("keyColumns").toString()).isEqualTo("[\"id\"]");
            for (JsonNode range : ev.path("ranges")) {
                assertThat(range.path("sourceChecksum").asText()).isNotEqualTo(range.path("replicaChecksum").asText());
            }

            // all three rows named, each with how it differs, across the ranges they fell in
            Map<String, String> expected = Map.of("778", "changed", "1500", "missing_on_replica", "9000", "extra_on_replica");
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                    assertThat(differingKeys(firingOn(replica.id(), table))).isEqualTo(expected));
            JsonNode latest = firingOn(replica.id(), table);
            long sourceRows = 0;
            long replicaRows = 0;
            for (JsonNode range : latest.path("evidence").path("ranges")) {
                sourceRows += range.path("sourceRows").asLong();
                replicaRows += range.path("replicaRows").asLong();
            }
            // the ranges holding the deleted and the added row differ in count by one each way
            assertThat(sourceRows - replicaRows).isZero();
            assertThat(latest.path("evidence").path("differingRows").asInt()).isEqualTo(3);
            assertThat(firingOf(cluster(), topology().replicas().get(1).id())).isEmpty();

            // the findings on their own topic, as the schema says, keyed by cluster
            ConsumerRecord<String, String> finding = findings.awaitRecord(DIVERGENCE_TOPIC,
                    r -> KafkaTestClient.json(r).path("state").asText().equals("diverged"), Duration.ofSeconds(10));
            assertThat(finding.key()).isEqualTo(cluster());
            assertThat(SchemaCheck.violations(SchemaCheck.DIVERGENCE, finding.value())).isEmpty();
            assertThat(KafkaTestClient.header(finding, "ce_type")).contains("io.replsentinel.divergence.finding.v1");

            faults.execUnlogged(replica,
                    "UPDATE " + table + " SET qty = 778 * 3 WHERE id = 778",
                    "INSERT INTO " + table + " SELECT " + values("1500"),
                    "DELETE FROM " + table + " WHERE id = 9000");
            JsonNode resolved = KafkaTestClient.json(alerts.resolved(fired.key()));
            assertThat(FaultDetectionScenarios.labels(resolved)).isEqualTo(FaultDetectionScenarios.labels(alert));
            ConsumerRecord<String, String> matched = findings.awaitRecord(DIVERGENCE_TOPIC,
                    r -> KafkaTestClient.json(r).path("state").asText().equals("matched"), Duration.ofSeconds(10));
            assertThat(SchemaCheck.violations(SchemaCheck.DIVERGENCE, matched.value())).isEmpty();
        }
    }

    @Test
    void duplicateKeySkippedOnAReplica_triggersACheckOfThatTable_whichNamesTheRow() {
        DbServer replica = topology().replicas().get(0);
        Faults faults = new Faults(topology());
        try (AlertWatch alerts = new AlertWatch(bootstrapServers)) {
            String table = createItems(topology(), "dup", 2000);
            // the real fault: a row only the replica has, then the source writes the same key. The replica's
            // row is committed after the source's: a pass reading between two such writes could otherwise
            // confirm it as a row only the replica has, and say rightly that it found it
            insertOnReplicaCommittedAfterTheSource(replica, table, 5000);
            JsonNode stopped = KafkaTestClient.json(alerts.firing("ReplicationSqlThreadStopped", replica.id(),
                    Map.of("cause", "duplicate_key")));
            assertThat(stopped.path("evidence").toString()).contains(table.substring(SCHEMA.length() + 1));
            // the usual way out, which leaves the replica's row in place of the source's
            skipFailedTransaction(replica);
            faults.awaitHealthy(replica, Duration.ofSeconds(30));

            ConsumerRecord<String, String> fired = alerts.firing(DATA_DIVERGENCE, replica.id(), Map.of("table", table));
            JsonNode ev = KafkaTestClient.json(fired).path("evidence");
            assertThat(ev.path("foundBy").asText()).isEqualTo("triggered");
            assertThat(ev.path("trigger").asText()).isEqualTo("ReplicationSqlThreadStopped");
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                    assertThat(differingKeys(firingOn(replica.id(), table))).isEqualTo(Map.of("5000", "changed")));

            faults.execUnlogged(replica, "DELETE FROM " + table + " WHERE id = 5000",
                    "INSERT INTO " + table + " SELECT " + values("5000"));
            alerts.resolved(fired.key());
        }
    }

    /**
     * Inserts row {@code id} on the replica outside the binary log, in a transaction committed only
     * after the source has written the same key. Until that commit the row is invisible to any other
     * read (and the applier, if it reaches the key first, waits on its lock); from it on, the source's
     * write cannot be applied, so the replica can meet no fence holding it: no comparison confirms a
     * difference before the applier is skipped past it. The row only the replica had is never seen
     * with replication healthy, which is when a background pass, not the alert's check, would find it.
     */
    void insertOnReplicaCommittedAfterTheSource(DbServer replica, String table, int id) {
        try (java.sql.Connection c = replica.rootConnection(); java.sql.Statement st = c.createStatement()) {
            boolean lifted = false;
            if (topology().flavor() == io.replsentinel.lab.Flavor.MYSQL
                    && "1".equals(replica.scalar("SELECT @@GLOBAL.super_read_only"))) {
                st.execute("SET GLOBAL super_read_only = OFF");
                lifted = true;
            }
            try {
                st.execute("SET SESSION sql_log_bin = 0");
                st.execute("BEGIN");
                st.execute("INSERT INTO " + table + " (id, name) VALUES (" + id + ", 'replica only')");
                topology().source().exec("INSERT INTO " + table + " SELECT " + values(Integer.toString(id)));
                st.execute("COMMIT");
            } finally {
                if (lifted) {
                    st.execute("SET GLOBAL super_read_only = ON");
                }
            }
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(replica + ": " + e.getErrorCode() + " " + e.getMessage(), e);
        }
    }

    /** Skips the transaction the replica's applier stopped on, as an operator would. */
    void skipFailedTransaction(DbServer replica) {
        if (topology().flavor() == io.replsentinel.lab.Flavor.MARIADB) {
            replica.exec("SET GLOBAL sql_slave_skip_counter = 1", "START SLAVE SQL_THREAD");
            return;
        }
        String error = replica.scalar("SELECT LAST_ERROR_MESSAGE FROM performance_schema.replication_applier_status_by_worker"
                + " WHERE LAST_ERROR_NUMBER = 1062 LIMIT 1");
        Matcher m = Pattern.compile("transaction '([^']+)'").matcher(error);
        assertThat(m.find()).as(error).isTrue();
        replica.exec("SET GLOBAL super_read_only = OFF", "SET gtid_next = '" + m.group(1) + "'", "BEGIN", "COMMIT",
                "SET gtid_next = 'AUTOMATIC'", "SET GLOBAL super_read_only = ON", "START REPLICA SQL_THREAD");
    }

    @Test
    void steadyWritesWhileTheCheckerRuns_raiseNoDataDivergence() throws Exception {
        String table = createItems(topology(), "busy", 3000);
        double matchedBefore = chunks("match");
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicInteger written = new AtomicInteger();
        AtomicBoolean writing = new AtomicBoolean(true);
        // the writes go on until the checker has compared chunks under them (at least 8 s, at most 30 s)
        Duration shortest = Duration.ofSeconds(8);
        Duration longest = Duration.ofSeconds(30);
        try (AlertWatch alerts = new AlertWatch(bootstrapServers)) {
            Thread writer = new Thread(() -> {
                Random random = new Random(7);
                try {
                    while (writing.get()) {
                        int id = 1 + random.nextInt(3500);
                        switch (random.nextInt(3)) {
                            case 0 -> topology().source().exec("UPDATE " + table + " SET qty = qty + 1, note = 'u"
                                    + written.get() + "' WHERE id = " + id);
                            case 1 -> topology().source().exec("DELETE FROM " + table + " WHERE id = " + id);
                            default -> topology().source().exec("INSERT INTO " + table + " (id, name) VALUES (" + id
                                    + ", 'w') ON DUPLICATE KEY UPDATE name = 'w2'");
                        }
                        written.incrementAndGet();
                        Thread.sleep(40);
                    }
                } catch (Throwable t) {
                    failure.set(t);
                }
            }, "divergence-writer");
            long start = System.nanoTime();
            writer.start();
            double matchedWhileWriting;
            try {
                while (true) {
                    alerts.during(Duration.ofMillis(500));
                    Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
                    matchedWhileWriting = chunks("match") - matchedBefore;
                    if (failure.get() != null || elapsed.compareTo(longest) > 0
                            || elapsed.compareTo(shortest) >= 0 && matchedWhileWriting >= 6 && written.get() > 100) {
                        break;
                    }
                }
            } finally {
                writing.set(false);
                writer.join();
            }
            // a chunk read under the last writes reports within the recheck: watch a few seconds more
            List<ConsumerRecord<String, String>> seen = alerts.during(Duration.ofSeconds(5));
            assertThat(failure.get()).isNull();
            // at most 25 a second at one write per 40 ms; 100 is steady writing still, on a loaded machine too
            assertThat(written.get()).as("writes while checking").isGreaterThan(100);
            // the checker did compare under those writes: chunks of the cluster matched while they went on
            assertThat(matchedWhileWriting).as("chunks compared equal while writing").isGreaterThanOrEqualTo(6);
            assertThat(seen.stream().map(KafkaTestClient::json)
                    .filter(a -> a.path("labels").path("alertname").asText().equals(DATA_DIVERGENCE))
                    .filter(a -> a.path("labels").path("cluster").asText().equals(cluster())).toList())
                    .as("DataDivergence under steady writes").isEmpty();
        }
    }

    @Test
    void tableWithoutAUsableKey_isSkippedAndListedInTheApiAndMetrics() {
        int n = TABLES.incrementAndGet();
        String noKey = SCHEMA + ".nokey_" + n;
        String nullableUnique = SCHEMA + ".nullable_unique_" + n;
        String keyed = SCHEMA + ".unique_not_null_" + n;
        topology().source().exec("CREATE DATABASE IF NOT EXISTS " + SCHEMA,
                "CREATE TABLE " + noKey + " (a INT, b VARCHAR(10))",
                "CREATE TABLE " + nullableUnique + " (a INT NULL, UNIQUE KEY (a))",
                "CREATE TABLE " + keyed + " (a INT NOT NULL, b INT, UNIQUE KEY ua (a))",
                "INSERT INTO " + noKey + " VALUES (1, 'x'), (1, 'x')");
        topology().awaitReplicasCaughtUp(Duration.ofSeconds(60));
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            JsonNode report = json(given().get("/api/divergence/" + cluster()).then().statusCode(200).extract().asString());
            Set<String> skipped = new HashSet<>();
            report.path("skipped").forEach(s -> skipped.add(s.path("table").asText()));
            assertThat(skipped).contains(noKey, nullableUnique).doesNotContain(keyed);
            Set<String> tables = new HashSet<>();
            report.path("tables").forEach(s -> tables.add(s.asText()));
            assertThat(tables).contains(keyed).doesNotContain(noKey, nullableUnique);
            String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
            assertThat(metrics).contains("sentinel_divergence_table_skipped{cluster=\"" + cluster() + "\",table=\""
                    + noKey + "\"} 1.0");
        });
    }

    /** The sinks an alert-state record says still owe the firing change of alert {@code fingerprint}. */
    static Set<String> owedTo(ConsumerRecord<String, String> state, String fingerprint) {
        Set<String> sinks = new HashSet<>();
        if (state.value() == null) {
            return sinks; // a cluster's state deleted (its partition left a node): owes nothing
        }
        for (JsonNode u : KafkaTestClient.json(state).path("undelivered")) {
            if (u.path("change").path("fingerprint").asText().equals(fingerprint)
                    && u.path("change").path("status").asText().equals("firing")) {
                u.path("sinks").forEach(x -> sinks.add(x.asText()));
            }
        }
        return sinks;
    }

    /** The firing DataDivergence alert of one replica and table, with its latest evidence (the cluster view). */
    JsonNode firingOn(String instance, String table) {
        return firingOf(cluster(), instance).stream().filter(a -> a.path("labels").path("table").asText().equals(table))
                .findFirst().orElseThrow(() -> new AssertionError("no firing DataDivergence on " + instance + " " + table));
    }

    static List<JsonNode> firingOf(String cluster, String instance) {
        JsonNode all = json(given().get("/api/clusters/" + cluster).then().statusCode(200).extract().asString())
                .path("firingAlerts");
        List<JsonNode> out = new java.util.ArrayList<>();
        all.forEach(a -> {
            if (a.path("labels").path("alertname").asText().equals(DATA_DIVERGENCE)
                    && a.path("labels").path("instance").asText().equals(instance)) {
                out.add(a);
            }
        });
        return out;
    }

    static JsonNode json(String text) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().readTree(text);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Key (one column) to kind, over every range of the alert's evidence. */
    static Map<String, String> differingKeys(JsonNode alert) {
        Map<String, String> keys = new TreeMap<>();
        for (JsonNode range : alert.path("evidence").path("ranges")) {
            for (JsonNode k : range.path("differingKeys")) {
                keys.put(k.path("key").get(0).asText(), k.path("kind").asText());
            }
        }
        return keys;
    }

    /** {@code sentinel_divergence_chunks_total{cluster,outcome}} now. */
    double chunks(String outcome) {
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        Matcher m = Pattern.compile("^sentinel_divergence_chunks_total\\{cluster=\"" + Pattern.quote(cluster())
                + "\",outcome=\"" + outcome + "\",?} (\\S+)$", Pattern.MULTILINE).matcher(metrics);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }
}
