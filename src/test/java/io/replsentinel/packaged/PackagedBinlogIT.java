package io.replsentinel.packaged;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.replsentinel.event.GtidEvent;
import io.replsentinel.event.SchemaCheck;
import io.replsentinel.kafka.KafkaTestClient;
import io.replsentinel.lab.DbServer;
import io.replsentinel.lab.Faults;
import io.replsentinel.lab.Flavor;
import io.replsentinel.lab.Topology;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 11's "done when" through the packaged jar, on a real MySQL 9.7 pair and a real MariaDB
 * 10.11 pair watched by one service whose listeners log in with exactly the README's grants: every
 * transaction of a stream of writes appears once as a GtidEvent from the source and from the replica,
 * with the same rows digest, also though each listener's binlog connection is killed in the middle
 * of it; the skipped-transaction fault raises MissingTransactions ({@code skipped} on MySQL, where an
 * empty transaction took the source's GTID; {@code not_applied} on MariaDB, whose replica binlog never
 * logs what {@code sql_slave_skip_counter} skipped); an errant write names its table and row counts;
 * and a revoked REPLICATION SLAVE raises BinlogListenerDown{privileges}, which the grant resolves.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PackagedBinlogIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String GTIDS = "mysql.replication.gtid";
    private static final String LISTENERS = "mysql.replication.listeners";
    private static final String ALERTS = "mysql.replication.alerts";
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final Map<Flavor, String> CLUSTERS = Map.of(Flavor.MYSQL, "orders-mysql", Flavor.MARIADB, "orders-mariadb");

    private final Map<Flavor, Topology> topologies = new HashMap<>();
    private final AtomicInteger keys = new AtomicInteger(1_000);
    private PackagedService service;
    private String bootstrap;

    @BeforeAll
    void topologiesAndService() throws Exception {
        CompletableFuture<Topology> my = CompletableFuture.supplyAsync(() -> Topology.mysql(1));
        CompletableFuture<Topology> maria = CompletableFuture.supplyAsync(() -> Topology.mariadb(1));
        topologies.put(Flavor.MYSQL, my.join());
        topologies.put(Flavor.MARIADB, maria.join());
        Path work = Files.createTempDirectory(Path.of("target"), "packaged-binlog-");
        StringBuilder yaml = new StringBuilder("sentinel:\n  clusters:\n");
        for (Topology t : topologies.values()) {
            // the listeners log in with the monitoring account: the README's grants plus the binlog ones
            t.source().exec(Topology.binlogGrantStatements(t.flavor(), Topology.MONITOR_USER, "lab").toArray(String[]::new));
            t.awaitReplicasCaughtUp(Duration.ofSeconds(30));
            yaml.append("    ").append(CLUSTERS.get(t.flavor())).append(":\n      user: ").append(Topology.MONITOR_USER)
                    .append("\n      password: ").append(Topology.MONITOR_PASSWORD).append("\n      instances:\n");
            for (DbServer s : t.all()) {
                yaml.append("        - {host: ").append(s.host()).append(", port: ").append(s.port()).append(", role: ")
                        .append(s == t.source() ? "primary" : "replica").append("}\n");
            }
        }
        Path config = work.resolve("inventory.yaml");
        Files.writeString(config, yaml.toString());
        int kafkaPort = PackagedService.freePort();
        service = PackagedService.with(config, work.resolve("service.log")).embeddedKafka(work.resolve("kafka"))
                .env("SENTINEL_EMBEDDED_KAFKA_PORT", Integer.toString(kafkaPort))
                .env("SENTINEL_BINLOG_DATA_DIR", work.resolve("binlog").toString())
                // a transaction the replica skipped counts as missing once it is 5 s old, not the default 30 s
                .env("SENTINEL_RULES_LAG_WARNING", "5s")
                .env("SENTINEL_RULES_KEEP_FIRING_FOR", "2s")
                .start();
        // two topologies of real servers beside it on a shared two-core machine: a start has taken over 40 s
        service.awaitReady(Duration.ofSeconds(120));
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("started the embedded Kafka broker at ([0-9.]+:[0-9]+)")
                .matcher(service.logText());
        bootstrap = m.find() ? m.group(1) : "127.0.0.1:" + kafkaPort;
    }

    @AfterAll
    void stopAll() {
        if (service != null) {
            service.close();
        }
        topologies.values().forEach(Topology::close);
    }

    @Test
    void mysql_everyGtidOnceFromBothInstancesThroughKilledConnections_emptyTransactionSkipped_errantRows_revokedPrivilege() {
        doneWhen(topologies.get(Flavor.MYSQL));
    }

    @Test
    void mariadb_everyGtidOnceFromBothInstancesThroughKilledConnections_skipCounterNotApplied_errantRows_revokedPrivilege() {
        doneWhen(topologies.get(Flavor.MARIADB));
    }

    private void doneWhen(Topology t) {
        long started = System.nanoTime();
        String cluster = CLUSTERS.get(t.flavor());
        DbServer source = t.source();
        DbServer replica = t.replicas().get(0);
        try (KafkaTestClient kafka = KafkaTestClient.fromBeginning(bootstrap, GTIDS, LISTENERS, ALERTS)) {
            awaitListenersRunning(kafka, cluster, t);

            // 1. writes, with each listener's binlog connection killed on its server in the middle of them
            long before = lastSequence(source);
            writeWhileKillingTheListenersConnections(t);
            t.awaitReplicasCaughtUp(Duration.ofSeconds(30));
            long after = lastSequence(source);
            String prefix = gtidPrefix(source);
            List<String> expected = new ArrayList<>();
            for (long n = before + 1; n <= after; n++) {
                expected.add(prefix + n);
            }
            assertThat(expected).hasSizeGreaterThan(60);
            await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
                kafka.poll(Duration.ofMillis(200));
                for (DbServer s : t.all()) {
                    assertThat(gtidsOf(kafka, s)).as("GTIDs from %s", s.id()).containsAll(expected);
                }
            });
            Map<String, String> sourceDigests = new HashMap<>();
            for (DbServer s : t.all()) {
                List<JsonNode> events = eventsOf(kafka, s);
                assertThat(events.stream().map(e -> e.path("gtid").asText()).toList()).as("GTIDs from %s", s.id())
                        .doesNotHaveDuplicates();
                for (JsonNode e : events) {
                    if (!expected.contains(e.path("gtid").asText())) {
                        continue;
                    }
                    assertThat(e.path("rowCount").asInt()).as(e.toString()).isEqualTo(1);
                    if (t.flavor() == Flavor.MYSQL) {
                        assertThat(e.path("originalCommitAt").asText()).as(e.toString()).isNotEmpty();
                        assertThat(e.path("immediateCommitAt").asText()).as(e.toString()).isNotEmpty();
                    }
                    if (s == source) {
                        sourceDigests.put(e.path("gtid").asText(), e.path("rowsDigest").asText());
                    } else {
                        assertThat(e.path("rowsDigest").asText()).as("digest of %s on the replica", e.path("gtid").asText())
                                .isEqualTo(sourceDigests.get(e.path("gtid").asText()));
                    }
                }
            }
            // a killed connection that the listener's check saw before the reconnect raised BinlogListenerDown{connection}:
            // each such alert resolves once the listener streams again
            List<String> connectionDown = kafka.seen().stream().filter(r -> r.topic().equals(ALERTS))
                    .map(KafkaTestClient::json).filter(a -> a.path("status").asText().equals("firing")
                            && a.path("labels").path("alertname").asText().equals("BinlogListenerDown")
                            && a.path("labels").path("cluster").asText().equals(cluster))
                    .map(a -> a.path("fingerprint").asText()).toList();
            for (String fingerprint : connectionDown) {
                awaitAlert(kafka, a -> a.path("fingerprint").asText().equals(fingerprint) && a.path("status").asText().equals("resolved"));
            }
            kafka.seen().stream().filter(r -> r.topic().equals(GTIDS) && r.key().equals(cluster)).limit(20).forEach(r ->
                    assertThat(SchemaCheck.violations(SchemaCheck.GTID, r.value())).as(r.value()).isEmpty());
            long writesDone = System.nanoTime();

            // 2. the skipped-transaction fault
            if (t.flavor() == Flavor.MYSQL) {
                emptyTransactionUnderTheSourcesNextGtid(kafka, t);
            } else {
                skipCounterPastARealTransaction(kafka, t);
            }
            long skipDone = System.nanoTime();

            // 3. an errant write on the replica: the alert names its table and rows
            int errant = keys.getAndAdd(2);
            List<String> write = new ArrayList<>();
            if (t.flavor() == Flavor.MYSQL) {
                write.add("SET GLOBAL super_read_only = OFF");
            }
            write.addAll(List.of("BEGIN", "INSERT INTO lab.t VALUES (" + errant + ", 'errant')",
                    "INSERT INTO lab.t VALUES (" + (errant + 1) + ", 'errant')",
                    "UPDATE lab.t SET v = 'errant too' WHERE id = " + errant, "COMMIT"));
            if (t.flavor() == Flavor.MYSQL) {
                write.add("SET GLOBAL super_read_only = ON");
            }
            replica.exec(write.toArray(String[]::new));
            // the one firing record on the topic (what Alertmanager and Slack get too) already names the tables:
            // a poll that compares GTID sets before the replica's GtidEvent arrives waits for it
            JsonNode fired = KafkaTestClient.json(awaitAlert(kafka, a -> is(a, "firing", "ErrantTransactions", replica)));
            assertThat(fired.path("evidence").path("errantTables")).as("tables in the firing record").hasSize(1);
            JsonNode table = fired.path("evidence").path("errantTables").get(0);
            assertThat(await().atMost(WAIT).pollInterval(Duration.ofMillis(300)).ignoreExceptions()
                    .until(() -> errantTable(replica), x -> x != null)).as("the API shows the same").isEqualTo(table);
            assertThat(table.path("table").asText()).isEqualTo("lab.t");
            assertThat(table.path("inserted").asInt()).isEqualTo(2);
            assertThat(table.path("updated").asInt()).isEqualTo(1);
            assertThat(table.path("deleted").asInt()).isZero();
            long errantDone = System.nanoTime();

            // 4. REPLICATION SLAVE revoked and the listener's dump thread killed: down for privileges; the grant resolves it
            ConsumerRecord<String, String> down;
            source.exec("REVOKE REPLICATION SLAVE ON *.* FROM '" + Topology.MONITOR_USER + "'@'%'");
            try {
                assertThat(killListenerDumpThreads(source)).as("listener dump threads on %s", source.id()).isEqualTo(1);
                down = awaitAlert(kafka, a -> is(a, "firing", "BinlogListenerDown", source)
                        && a.path("labels").path("cause").asText().equals("privileges"));
                assertThat(KafkaTestClient.json(down).path("labels").path("severity").asText()).isEqualTo("warning");
                assertThat(KafkaTestClient.json(down).path("evidence").path("error").asText()).contains("REPLICATION SLAVE");
            } finally {
                source.exec("GRANT REPLICATION SLAVE ON *.* TO '" + Topology.MONITOR_USER + "'@'%'");
            }
            awaitAlert(kafka, a -> a.path("fingerprint").asText().equals(KafkaTestClient.json(down).path("fingerprint").asText())
                    && a.path("status").asText().equals("resolved"));
            long end = System.nanoTime();
            System.out.printf("[packaged-binlog %s] writes and killed connections %d ms (%d BinlogListenerDown raised and "
                            + "resolved), skipped transaction %d ms, errant write %d ms, revoked privilege %d ms%n", t.flavor(),
                    (writesDone - started) / 1_000_000, connectionDown.size(),
                    (skipDone - writesDone) / 1_000_000, (errantDone - skipDone) / 1_000_000, (end - errantDone) / 1_000_000);
        }
    }

    /** MySQL: an empty transaction on the replica under the source's next GTID, then the source's real one. */
    private void emptyTransactionUnderTheSourcesNextGtid(KafkaTestClient kafka, Topology t) {
        DbServer replica = t.replicas().get(0);
        int k = keys.getAndIncrement();
        String next = new Faults(t).emptyTransactionUnderTheSourcesNextGtid(replica, k);
        // the servers see nothing: equal GTID sets, both threads running, the row absent on the replica
        assertThat(replica.scalar("SELECT COUNT(*) FROM lab.t WHERE id = " + k)).isEqualTo("0");
        JsonNode a = KafkaTestClient.json(awaitAlert(kafka, x -> is(x, "firing", "MissingTransactions", replica)));
        assertThat(a.path("labels").path("cause").asText()).isEqualTo("skipped");
        assertThat(a.path("labels").path("severity").asText()).isEqualTo("critical");
        JsonNode tx = a.path("evidence").path("gtids").get(0);
        assertThat(tx.path("gtid").asText()).isEqualTo(next);
        assertThat(tx.path("sourceTables").get(0).path("table").asText()).isEqualTo("lab.t");
        assertThat(tx.path("sourceTables").get(0).path("inserted").asInt()).isEqualTo(1);
        assertThat(tx.path("replicaRowsDigest").asText()).isEqualTo(GtidEvent.EMPTY_DIGEST);
    }

    /**
     * MariaDB: {@code sql_slave_skip_counter} past a real transaction. The replica's gtid_slave_pos
     * then holds the GTID but its binlog does not (a skipped event group is not logged), so what the
     * servers' own records support is {@code not_applied}: the replica logged later transactions of the
     * source and never this one.
     */
    private void skipCounterPastARealTransaction(KafkaTestClient kafka, Topology t) {
        DbServer replica = t.replicas().get(0);
        int skipped = keys.getAndIncrement();
        int k = keys.getAndIncrement();
        String skippedGtid = new Faults(t).skipCounterPastARealTransaction(replica, skipped, k);
        assertThat(replica.scalar("SELECT COUNT(*) FROM lab.t WHERE id = " + skipped)).isEqualTo("0");
        assertThat(replica.scalar("SELECT COUNT(*) FROM lab.t WHERE id = " + k)).isEqualTo("1");
        JsonNode a = KafkaTestClient.json(awaitAlert(kafka, x -> is(x, "firing", "MissingTransactions", replica)));
        assertThat(a.path("labels").path("cause").asText()).isEqualTo("not_applied");
        assertThat(a.path("labels").path("severity").asText()).isEqualTo("critical");
        JsonNode tx = a.path("evidence").path("gtids").get(0);
        assertThat(tx.path("gtid").asText()).isEqualTo(skippedGtid);
        assertThat(tx.path("sourceTables").get(0).path("inserted").asInt()).isEqualTo(1);
        assertThat(tx.path("replicaRowsDigest").isNull()).isTrue();
    }

    /**
     * Single-row inserts on the source; once 30 are in, the listeners' dump threads on the source and
     * on the replica are killed, and writes go on for 60 more while they reconnect (their keep-alive
     * retries every second).
     */
    private void writeWhileKillingTheListenersConnections(Topology t) {
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicInteger written = new AtomicInteger();
        AtomicReference<RuntimeException> failure = new AtomicReference<>();
        Thread writer = new Thread(() -> {
            try {
                while (writing.get()) {
                    t.insert(keys.getAndIncrement());
                    written.incrementAndGet();
                }
            } catch (RuntimeException e) {
                failure.set(e);
            }
        }, "packaged-binlog-writer");
        writer.start();
        try {
            await().atMost(WAIT).until(() -> written.get() >= 30 || failure.get() != null);
            for (DbServer s : t.all()) {
                assertThat(killListenerDumpThreads(s)).as("listener dump threads on %s", s.id()).isEqualTo(1);
            }
            int atKill = written.get();
            await().atMost(WAIT).until(() -> written.get() >= atKill + 60 || failure.get() != null);
        } finally {
            writing.set(false);
            try {
                writer.join(30_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        assertThat(failure.get()).as("writer").isNull();
    }

    /** Waits until the latest state each listener of the cluster published is {@code running}. */
    private static void awaitListenersRunning(KafkaTestClient kafka, String cluster, Topology t) {
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            kafka.poll(Duration.ofMillis(200));
            Map<String, String> latest = new HashMap<>();
            for (ConsumerRecord<String, String> r : kafka.seen()) {
                if (r.topic().equals(LISTENERS) && r.key().equals(cluster)) {
                    JsonNode s = KafkaTestClient.json(r);
                    latest.put(s.path("instance").asText(), s.path("state").asText());
                }
            }
            for (DbServer s : t.all()) {
                assertThat(latest.get(s.id())).as("listener on %s", s.id()).isEqualTo("running");
            }
        });
    }

    private static ConsumerRecord<String, String> awaitAlert(KafkaTestClient kafka, Predicate<JsonNode> match) {
        return kafka.awaitRecord(ALERTS, r -> match.test(KafkaTestClient.json(r)), WAIT);
    }

    private static boolean is(JsonNode alert, String status, String alertname, DbServer instance) {
        return alert.path("status").asText().equals(status) && alert.path("labels").path("alertname").asText().equals(alertname)
                && alert.path("labels").path("instance").asText().equals(instance.id());
    }

    /** The first table in the firing ErrantTransactions alert's evidence the API shows for the replica; null if none yet. */
    private JsonNode errantTable(DbServer replica) throws Exception {
        for (JsonNode a : JSON.readTree(service.get("/api/alerts?status=firing"))) {
            if (a.path("labels").path("alertname").asText().equals("ErrantTransactions")
                    && a.path("labels").path("instance").asText().equals(replica.id())
                    && a.path("evidence").path("errantTables").size() > 0) {
                return a.path("evidence").path("errantTables").get(0);
            }
        }
        return null;
    }

    private static List<JsonNode> eventsOf(KafkaTestClient kafka, DbServer server) {
        return kafka.seen().stream().filter(r -> r.topic().equals(GTIDS)).map(KafkaTestClient::json)
                .filter(e -> e.path("instance").asText().equals(server.id())).toList();
    }

    private static List<String> gtidsOf(KafkaTestClient kafka, DbServer server) {
        return eventsOf(kafka, server).stream().map(e -> e.path("gtid").asText()).toList();
    }

    /** The source's last GTID sequence number: MySQL in its own uuid's interval, MariaDB in domain 0. */
    private static long lastSequence(DbServer source) {
        if (source.flavor() == Flavor.MYSQL) {
            String uuid = source.scalar("SELECT @@server_uuid");
            for (String part : source.scalar("SELECT @@gtid_executed").replace("\n", "").split(",")) {
                String p = part.trim();
                if (p.startsWith(uuid + ":")) {
                    String range = p.substring(p.lastIndexOf(':') + 1);
                    return Long.parseLong(range.contains("-") ? range.substring(range.indexOf('-') + 1) : range);
                }
            }
            return 0;
        }
        String pos = source.scalar("SELECT @@gtid_binlog_pos");
        return pos.isEmpty() ? 0 : Long.parseLong(pos.substring(pos.lastIndexOf('-') + 1));
    }

    /** What precedes the sequence number in the source's GTIDs, as the flavor writes them. */
    private static String gtidPrefix(DbServer source) {
        return source.flavor() == Flavor.MYSQL
                ? source.scalar("SELECT @@server_uuid") + ":"
                : "0-" + source.scalar("SELECT @@server_id") + "-";
    }

    /** Kills the monitoring account's binlog dump threads on {@code server}: the listener's connection. */
    private static int killListenerDumpThreads(DbServer server) {
        List<Map<String, Object>> threads = server.query("SELECT ID FROM information_schema.PROCESSLIST"
                + " WHERE COMMAND LIKE 'Binlog Dump%' AND USER = '" + Topology.MONITOR_USER + "'");
        for (Map<String, Object> row : threads) {
            server.exec("KILL " + row.get("ID"));
        }
        return threads.size();
    }
}
