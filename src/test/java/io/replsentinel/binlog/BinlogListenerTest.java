package io.replsentinel.binlog;

import io.replsentinel.event.BinlogListenerState;
import io.replsentinel.event.GtidEvent;
import io.replsentinel.lab.DbServer;
import io.replsentinel.lab.Flavor;
import io.replsentinel.lab.Topology;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Real listeners on a real MySQL 9.7 and a real MariaDB 10.11 source and replica, without the
 * service: every transaction once per instance that logged it, the same digest and row counts on
 * source and replica, and on MySQL an injected empty transaction with the documented empty digest.
 * The monitoring account holds exactly the README's grants plus {@code scripts/lab/grants-binlog-*.sql}.
 */
class BinlogListenerTest {

    private static ListenerLab lab;
    private static Topology mysql;
    private static Topology mariadb;
    private static ListenerHarness harness;

    @BeforeAll
    static void start() {
        lab = ListenerLab.start(1, 1, ListenerHarness::new);
        mysql = lab.mysql();
        mariadb = lab.mariadb();
        harness = lab.harness();
    }

    @AfterAll
    static void stop() {
        if (lab != null) {
            lab.close();
        }
    }

    @Test
    void mysql_everyTransactionOncePerInstance_sameDigestOnSourceAndReplica_emptyTransactionHasTheEmptyDigest() {
        DbServer source = mysql.source();
        DbServer replica = mysql.replicas().get(0);
        startAndAwaitRunning(source, replica);
        String uuid = source.scalar("SELECT @@server_uuid");
        writeTheSameMix(mysql);
        String empty = uuid + ":100";
        source.exec("SET gtid_next = '" + empty + "'", "BEGIN", "COMMIT", "SET gtid_next = 'AUTOMATIC'");
        mysql.awaitReplicasCaughtUp(Duration.ofSeconds(30));

        Map<String, GtidEvent> onSource = awaitSameTransactions(source, replica, empty);
        onSource.values().forEach(e -> {
            assertThat(e.originServerUuid()).isEqualTo(uuid);
            assertThat(e.originServerId()).isEqualTo(source.serverId());
            assertThat(e.binlogFile()).isNotNull();
        });
        GtidEvent emptyTx = onSource.get(empty);
        assertThat(emptyTx.rowsDigest()).isEqualTo(GtidEvent.EMPTY_DIGEST);
        assertThat(emptyTx.tables()).isEmpty();
        GtidEvent multi = onSource.values().stream().filter(e -> e.rowCount() == 3).findFirst().orElseThrow();
        assertThat(multi.tables()).containsExactly(new GtidEvent.TableRows("lab.t", 2, 1, 0));
        assertThat(multi.originalCommitAt()).isNotNull();
        assertThat(multi.rowsDigest()).isNotEqualTo(GtidEvent.EMPTY_DIGEST).startsWith("sha256:");
    }

    @Test
    void mariadb_everyTransactionOncePerInstance_sameDigestOnSourceAndReplica() {
        DbServer source = mariadb.source();
        DbServer replica = mariadb.replicas().get(0);
        startAndAwaitRunning(source, replica);
        writeTheSameMix(mariadb);
        mariadb.awaitReplicasCaughtUp(Duration.ofSeconds(30));
        String last = source.scalar("SELECT @@gtid_binlog_pos");

        Map<String, GtidEvent> onSource = awaitSameTransactions(source, replica, last);
        onSource.values().forEach(e -> {
            assertThat(e.gtid()).matches("0-1-[0-9]+");
            assertThat(e.originDomainId()).isZero();
            assertThat(e.originServerId()).isEqualTo(source.serverId());
            assertThat(e.originServerUuid()).isNull();
        });
        GtidEvent multi = onSource.values().stream().filter(e -> e.rowCount() == 3).findFirst().orElseThrow();
        assertThat(multi.tables()).containsExactly(new GtidEvent.TableRows("lab.t", 2, 1, 0));
    }

    @Test
    void serverIdTakenLaterByAServerOfTheTopology_listenerJoinsAgainWithAnother_andMissesNothing() {
        String cluster = "binlog-rejoin";
        DbServer replica = mysql.replicas().get(0);
        harness.listen(ListenerHarness.watched(cluster, replica, Topology.MONITOR_USER, Topology.MONITOR_PASSWORD));
        await().atMost(Duration.ofSeconds(60)).until(() -> harness.latestState(cluster, replica)
                .filter(s -> s.state().equals(BinlogListenerState.RUNNING)).isPresent());
        long first = harness.latestState(cluster, replica).orElseThrow().serverId();
        mysql.insert(500);
        harness.pollerSaw("10.0.0.99:3306", first);
        await().atMost(Duration.ofSeconds(60)).until(() -> harness.latestState(cluster, replica)
                .filter(s -> s.state().equals(BinlogListenerState.RUNNING) && s.serverId() != null && s.serverId() != first)
                .isPresent());
        mysql.insert(501);
        mysql.awaitReplicasCaughtUp(Duration.ofSeconds(30));
        String uuid = mysql.source().scalar("SELECT @@server_uuid");
        String executed = mysql.source().scalar("SELECT @@gtid_executed").replace("\n", "");
        String own = java.util.Arrays.stream(executed.split(",")).filter(p -> p.startsWith(uuid)).findFirst().orElseThrow();
        long lastSeq = Long.parseLong(own.substring(own.lastIndexOf('-') + 1));
        await().atMost(Duration.ofSeconds(30)).until(() -> gtids(harness.from(cluster, replica)).contains(uuid + ":" + lastSeq)
                && gtids(harness.from(cluster, replica)).contains(uuid + ":" + (lastSeq - 1)));
        assertThat(gtids(harness.from(cluster, replica))).doesNotHaveDuplicates();
    }

    private static void startAndAwaitRunning(DbServer... servers) {
        for (DbServer s : servers) {
            harness.listen(s);
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> java.util.Arrays.stream(servers).allMatch(s ->
                harness.latestState(s).map(BinlogListenerState::state).orElse("").equals(BinlogListenerState.RUNNING)));
    }

    /** Single-row inserts, an update, a delete and one transaction of three rows. */
    private static void writeTheSameMix(Topology t) {
        t.insert(1, 2, 3);
        t.source().exec("UPDATE lab.t SET v = 'changed' WHERE id = 2", "DELETE FROM lab.t WHERE id = 3");
        t.source().exec("BEGIN", "INSERT INTO lab.t VALUES (10, 'a')", "INSERT INTO lab.t VALUES (11, 'b')",
                "UPDATE lab.t SET v = 'c' WHERE id = 10", "COMMIT");
    }

    /** Waits for {@code last} on both, then checks both saw the same transactions once, with the same rows. */
    private static Map<String, GtidEvent> awaitSameTransactions(DbServer source, DbServer replica, String last) {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(gtids(harness.from(source))).contains(last);
            assertThat(gtids(harness.from(replica))).contains(last);
        });
        Map<String, GtidEvent> onSource = byGtid(harness.from(source));
        Map<String, GtidEvent> onReplica = byGtid(harness.from(replica));
        assertThat(gtids(harness.from(source))).doesNotHaveDuplicates().hasSize(6 + (source.flavor() == Flavor.MYSQL ? 1 : 0));
        assertThat(gtids(harness.from(replica))).doesNotHaveDuplicates();
        assertThat(onReplica.keySet()).isEqualTo(onSource.keySet());
        onSource.forEach((gtid, s) -> {
            GtidEvent r = onReplica.get(gtid);
            assertThat(r.rowsDigest()).as(gtid).isEqualTo(s.rowsDigest());
            assertThat(r.tables()).as(gtid).isEqualTo(s.tables());
            assertThat(r.originServerId()).as(gtid).isEqualTo(s.originServerId());
        });
        return onSource;
    }

    private static List<String> gtids(List<GtidEvent> events) {
        return events.stream().map(GtidEvent::gtid).toList();
    }

    private static Map<String, GtidEvent> byGtid(List<GtidEvent> events) {
        return events.stream().collect(Collectors.toMap(GtidEvent::gtid, Function.identity(), (a, b) -> a));
    }
}
