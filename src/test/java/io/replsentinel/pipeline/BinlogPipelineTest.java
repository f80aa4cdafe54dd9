package io.replsentinel.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.replsentinel.event.GtidEvent;
import io.replsentinel.event.SchemaCheck;
import io.replsentinel.kafka.KafkaBrokerResource;
import io.replsentinel.kafka.KafkaTestClient;
import io.replsentinel.lab.DbServer;
import io.replsentinel.lab.Faults;
import io.replsentinel.lab.Topology;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The binlog listeners through the running service, on the two clusters that run them
 * ({@link Lab#MYSQL_BINLOG_CLUSTER}, {@link Lab#MARIADB_BINLOG_CLUSTER}): GtidEvents on Kafka,
 * listener states, a killed binlog connection, and the skipped-transaction fault on both flavors.
 * The faults leave their cluster's replica short of rows, so they run last.
 */
@QuarkusTest
@WithTestResource(value = KafkaBrokerResource.class, scope = TestResourceScope.GLOBAL)
@WithTestResource(value = LabResource.class, scope = TestResourceScope.GLOBAL)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BinlogPipelineTest {

    private static final String GTID_TOPIC = "mysql.replication.gtid";
    private static final String LISTENER_TOPIC = "mysql.replication.listeners";
    private static final AtomicInteger KEYS = new AtomicInteger(70_000);

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @Test
    @Order(1)
    void everyTransaction_appearsOnceFromEveryInstance_asASchemaValidGtidEventKeyedByCluster() {
        Topology t = Lab.mysqlBinlog();
        awaitListenersRunning(t, Lab.MYSQL_BINLOG_CLUSTER);
        try (KafkaTestClient kafka = KafkaTestClient.fromEnd(bootstrapServers, GTID_TOPIC)) {
            int first = KEYS.getAndAdd(5);
            t.insert(first, first + 1, first + 2, first + 3, first + 4);
            t.awaitReplicasCaughtUp(Duration.ofSeconds(30));
            String uuid = t.source().scalar("SELECT @@server_uuid");
            String last = uuid + ":" + lastSeq(t.source().scalar("SELECT @@gtid_executed").replace("\n", ""), uuid);
            List<ConsumerRecord<String, String>> records = awaitGtidFromAll(kafka, t, last);
            Map<String, List<String>> byInstance = new java.util.HashMap<>();
            for (ConsumerRecord<String, String> r : records) {
                assertThat(SchemaCheck.violations(SchemaCheck.GTID, r.value())).as(r.value()).isEmpty();
                JsonNode e = KafkaTestClient.json(r);
                assertThat(r.key()).isEqualTo(Lab.MYSQL_BINLOG_CLUSTER);
                assertThat(KafkaTestClient.header(r, "ce_type")).contains("io.replsentinel.replication.gtid.v1");
                assertThat(KafkaTestClient.header(r, "ce_specversion")).contains("1.0");
                assertThat(KafkaTestClient.header(r, "ce_id")).isPresent();
                assertThat(KafkaTestClient.header(r, "ce_time")).isPresent();
                assertThat(r.value()).doesNotContain("'v" + first + "'").doesNotContain("\"v" + first + "\"");
                assertThat(e.path("originalCommitAt").asText()).as(r.value()).isNotEmpty();
                byInstance.computeIfAbsent(e.path("instance").asText(), k -> new ArrayList<>()).add(e.path("gtid").asText());
            }
            for (DbServer s : t.all()) {
                List<String> gtids = byInstance.get(s.id());
                assertThat(gtids).as(s.id()).doesNotHaveDuplicates().hasSizeGreaterThanOrEqualTo(5).contains(last);
            }
            assertThat(new HashSet<>(byInstance.get(t.source().id()))).isEqualTo(new HashSet<>(byInstance.get(t.replicas().get(0).id())));
        }
        // each of those transactions was measured, in one series per cluster
        String series = "mysql_replication_transaction_lag_seconds_count{cluster=\"" + Lab.MYSQL_BINLOG_CLUSTER + "\"}";
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(io.restassured.RestAssured.given()
                .get("/q/metrics").then().statusCode(200).extract().asString()).contains(series));
    }

    @Test
    @Order(2)
    void listenerStates_matchTheSchema_andSayRunningWithTheListenersServerId() {
        try (KafkaTestClient kafka = KafkaTestClient.fromEnd(bootstrapServers, LISTENER_TOPIC)) {
            ConsumerRecord<String, String> r = kafka.awaitRecord(LISTENER_TOPIC,
                    x -> x.key().equals(Lab.MARIADB_BINLOG_CLUSTER), Duration.ofSeconds(20));
            assertThat(SchemaCheck.violations(SchemaCheck.LISTENER_STATE, r.value())).as(r.value()).isEmpty();
            JsonNode s = KafkaTestClient.json(r);
            assertThat(s.path("state").asText()).isEqualTo("running");
            assertThat(s.path("serverId").asLong()).isBetween(4_200_000_000L, 4_200_009_999L);
            assertThat(KafkaTestClient.header(r, "ce_type")).contains("io.replsentinel.binlog.listener.v1");
        }
    }

    @Test
    @Order(3)
    void killedDumpThreadUnderWrites_listenerReconnects_andEveryGtidArrivesOnce() throws Exception {
        Topology t = Lab.mysqlBinlog();
        awaitListenersRunning(t, Lab.MYSQL_BINLOG_CLUSTER);
        try (KafkaTestClient kafka = KafkaTestClient.fromEnd(bootstrapServers, GTID_TOPIC)) {
            AtomicBoolean writing = new AtomicBoolean(true);
            AtomicInteger written = new AtomicInteger();
            Thread writer = new Thread(() -> {
                while (writing.get()) {
                    int k = KEYS.getAndIncrement();
                    t.insert(k);
                    written.incrementAndGet();
                }
            });
            String before = t.source().scalar("SELECT @@gtid_executed").replace("\n", "");
            writer.start();
            try {
                await().atMost(Duration.ofSeconds(30)).until(() -> written.get() > 50);
                int killed = killListenerDumpThreads(t.source());
                assertThat(killed).isEqualTo(1);
                int atKill = written.get();
                // writes go on while the listener reconnects (its keep-alive checks every second)
                await().atMost(Duration.ofSeconds(30)).until(() -> written.get() > atKill + 100);
            } finally {
                writing.set(false);
                writer.join();
            }
            t.awaitReplicasCaughtUp(Duration.ofSeconds(30));
            String after = t.source().scalar("SELECT @@gtid_executed").replace("\n", "");
            String uuid = t.source().scalar("SELECT @@server_uuid");
            long from = lastSeq(before, uuid) + 1;
            long to = lastSeq(after, uuid);
            Set<String> expected = new HashSet<>();
            for (long n = from; n <= to; n++) {
                expected.add(uuid + ":" + n);
            }
            List<String> fromSource = new ArrayList<>();
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                kafka.poll(Duration.ofMillis(200));
                fromSource.clear();
                for (ConsumerRecord<String, String> r : kafka.seen()) {
                    JsonNode e = KafkaTestClient.json(r);
                    if (e.path("instance").asText().equals(t.source().id())) {
                        fromSource.add(e.path("gtid").asText());
                    }
                }
                assertThat(new HashSet<>(fromSource)).containsAll(expected);
            });
            assertThat(fromSource).doesNotHaveDuplicates();
        }
    }

    @Test
    @Order(9)
    void errantWriteOnAReplica_raisesErrantTransactionsNamingItsTableAndRows() {
        Topology t = Lab.mysqlBinlog();
        awaitListenersRunning(t, Lab.MYSQL_BINLOG_CLUSTER);
        DbServer replica = t.replicas().get(0);
        try (AlertWatch alerts = new AlertWatch(bootstrapServers)) {
            int k = KEYS.getAndAdd(2);
            long start = System.nanoTime();
            replica.exec("SET GLOBAL super_read_only = OFF",
                    "BEGIN", "INSERT INTO lab.t VALUES (" + k + ", 'errant')", "INSERT INTO lab.t VALUES (" + (k + 1) + ", 'errant')",
                    "UPDATE lab.t SET v = 'errant too' WHERE id = " + k, "COMMIT",
                    "SET GLOBAL super_read_only = ON");
            JsonNode a = KafkaTestClient.json(alerts.firing("ErrantTransactions", replica.id(), Map.of()));
            long millis = (System.nanoTime() - start) / 1_000_000;
            System.out.printf("ErrantTransactions on %s %d ms after the errant commit (found by %s)%n", replica.id(), millis,
                    a.path("evidence").path("foundBy").asText("poll"));
            JsonNode table = a.path("evidence").path("errantTables").get(0);
            assertThat(table.path("table").asText()).isEqualTo("lab.t");
            assertThat(table.path("inserted").asInt()).isEqualTo(2);
            assertThat(table.path("updated").asInt()).isEqualTo(1);
            assertThat(a.path("evidence").path("errantTransactionsSeen").get(0).asText())
                    .startsWith(replica.scalar("SELECT @@server_uuid") + ":");
            assertThat(a.toString()).doesNotContain("errant too");
        }
    }

    @Test
    @Order(10)
    void mysqlEmptyTransactionUnderTheSourcesNextGtid_raisesMissingTransactionsSkipped() {
        Topology t = Lab.mysqlBinlog();
        awaitListenersRunning(t, Lab.MYSQL_BINLOG_CLUSTER);
        DbServer replica = t.replicas().get(0);
        try (AlertWatch alerts = new AlertWatch(bootstrapServers)) {
            int k = KEYS.getAndIncrement();
            String next = new Faults(t).emptyTransactionUnderTheSourcesNextGtid(replica, k);
            // the servers see nothing: equal GTID sets, both threads running, the row absent on the replica
            assertThat(replica.scalar("SELECT COUNT(*) FROM lab.t WHERE id = " + k)).isEqualTo("0");

            JsonNode a = KafkaTestClient.json(alerts.firing("MissingTransactions", replica.id(), Map.of("cause", "skipped")));
            assertThat(a.path("labels").path("severity").asText()).isEqualTo("critical");
            assertThat(a.path("labels").path("cluster").asText()).isEqualTo(Lab.MYSQL_BINLOG_CLUSTER);
            JsonNode tx = a.path("evidence").path("gtids").get(0);
            assertThat(tx.path("gtid").asText()).isEqualTo(next);
            assertThat(tx.path("sourceRowCount").asInt()).isEqualTo(1);
            assertThat(tx.path("sourceTables").get(0).path("table").asText()).isEqualTo("lab.t");
            assertThat(tx.path("sourceTables").get(0).path("inserted").asInt()).isEqualTo(1);
            assertThat(tx.path("replicaRowsDigest").asText()).isEqualTo(GtidEvent.EMPTY_DIGEST);
            assertThat(tx.path("replicaRowCount").asInt()).isZero();
        }
    }

    @Test
    @Order(11)
    void mariadbSkipCounterPastARealTransaction_raisesMissingTransactionsNotApplied() {
        Topology t = Lab.mariadbBinlog();
        awaitListenersRunning(t, Lab.MARIADB_BINLOG_CLUSTER);
        DbServer replica = t.replicas().get(0);
        try (AlertWatch alerts = new AlertWatch(bootstrapServers)) {
            int skipped = KEYS.getAndIncrement();
            int k = KEYS.getAndIncrement();
            String skippedGtid = new Faults(t).skipCounterPastARealTransaction(replica, skipped, k);
            // the replica's gtid_slave_pos says it has the skipped GTID; its binlog and its table do not
            assertThat(replica.scalar("SELECT COUNT(*) FROM lab.t WHERE id = " + skipped)).isEqualTo("0");
            assertThat(replica.scalar("SELECT COUNT(*) FROM lab.t WHERE id = " + k)).isEqualTo("1");

            JsonNode a = KafkaTestClient.json(alerts.firing("MissingTransactions", replica.id(), Map.of("cause", "not_applied")));
            assertThat(a.path("labels").path("severity").asText()).isEqualTo("critical");
            JsonNode tx = a.path("evidence").path("gtids").get(0);
            assertThat(tx.path("gtid").asText()).isEqualTo(skippedGtid);
            assertThat(tx.path("sourceTables").get(0).path("inserted").asInt()).isEqualTo(1);
            assertThat(tx.path("replicaRowsDigest").isNull()).isTrue();
        }
    }

    @Test
    @Order(12)
    void stoppedInstance_raisesBinlogListenerDownConnection_andResolvesWhenItIsBack() {
        Topology t = Lab.mariadbBinlog();
        awaitListenersRunning(t, Lab.MARIADB_BINLOG_CLUSTER);
        DbServer replica = t.replicas().get(0);
        try (AlertWatch alerts = new AlertWatch(bootstrapServers)) {
            replica.stop();
            ConsumerRecord<String, String> firing = alerts.firing("BinlogListenerDown", replica.id(), Map.of("cause", "connection"));
            JsonNode a = KafkaTestClient.json(firing);
            assertThat(a.path("labels").path("severity").asText()).isEqualTo("warning");
            assertThat(a.path("evidence").path("listenerServerId").asLong()).isBetween(4_200_000_000L, 4_200_009_999L);
            replica.start();
            alerts.resolved(firing.key());
        }
    }

    @Test
    @Order(13)
    void revokedReplicationSlave_raisesBinlogListenerDownPrivileges_andResolvesOnceGrantedAgain() {
        Topology t = Lab.mariadbBinlog();
        awaitListenersRunning(t, Lab.MARIADB_BINLOG_CLUSTER);
        DbServer source = t.source();
        try (AlertWatch alerts = new AlertWatch(bootstrapServers)) {
            source.exec("REVOKE REPLICATION SLAVE ON *.* FROM '" + Topology.MONITOR_USER + "'@'%'");
            try {
                assertThat(killListenerDumpThreads(source)).isEqualTo(1);
                ConsumerRecord<String, String> firing = alerts.firing("BinlogListenerDown", source.id(), Map.of("cause", "privileges"));
                assertThat(KafkaTestClient.json(firing).path("evidence").path("error").asText()).contains("REPLICATION SLAVE");
            } finally {
                source.exec("GRANT REPLICATION SLAVE ON *.* TO '" + Topology.MONITOR_USER + "'@'%'");
            }
            alerts.resolved(alerts.firing("BinlogListenerDown", source.id(), Map.of("cause", "privileges")).key());
        }
    }

    private static long lastSeq(String gtidSet, String uuid) {
        for (String part : gtidSet.split(",")) {
            String p = part.trim();
            if (p.startsWith(uuid + ":")) {
                String range = p.substring(p.lastIndexOf(':') + 1);
                return Long.parseLong(range.contains("-") ? range.substring(range.indexOf('-') + 1) : range);
            }
        }
        return 0;
    }

    private static int killListenerDumpThreads(DbServer source) {
        List<Map<String, Object>> threads = source.query("SELECT ID FROM information_schema.PROCESSLIST"
                + " WHERE COMMAND LIKE 'Binlog Dump%' AND USER = '" + Topology.MONITOR_USER + "'");
        for (Map<String, Object> row : threads) {
            source.exec("KILL " + row.get("ID"));
        }
        return threads.size();
    }

    private void awaitListenersRunning(Topology t, String cluster) {
        try (KafkaTestClient kafka = KafkaTestClient.fromEnd(bootstrapServers, LISTENER_TOPIC)) {
            Set<String> running = new HashSet<>();
            Set<String> all = new HashSet<>();
            t.all().forEach(s -> all.add(s.id()));
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                for (ConsumerRecord<String, String> r : kafka.poll(Duration.ofMillis(300))) {
                    JsonNode s = KafkaTestClient.json(r);
                    if (r.key().equals(cluster)) {
                        if (s.path("state").asText().equals("running")) {
                            running.add(s.path("instance").asText());
                        } else {
                            running.remove(s.path("instance").asText());
                        }
                    }
                }
                assertThat(running).containsAll(all);
            });
        }
    }

    private static List<ConsumerRecord<String, String>> awaitGtidFromAll(KafkaTestClient kafka, Topology t, String gtid) {
        for (DbServer s : t.all()) {
            kafka.awaitRecord(GTID_TOPIC, r -> {
                JsonNode e = KafkaTestClient.json(r);
                return e.path("instance").asText().equals(s.id()) && e.path("gtid").asText().equals(gtid);
            }, Duration.ofSeconds(30));
        }
        return kafka.seen();
    }
}
