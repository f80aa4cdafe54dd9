package io.replsentinel.binlog;

import io.replsentinel.event.BinlogListenerState;
import io.replsentinel.lab.DbServer;
import io.replsentinel.lab.Topology;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.time.Duration;
import java.util.concurrent.Semaphore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The causes of BinlogListenerDown that the servers' own settings and the listener's own pace
 * produce, each injected for real on MySQL 9.7 (a source and a replica) and a lone MariaDB 10.11
 * source: a reader held back far behind the binlog's end, row images or statements instead of full
 * rows, and tagged GTIDs; and the commit timestamps of a transaction a replica applied late. Each
 * listener has a cluster of its own, so the states of one test never mix with another's.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ListenerFaultsTest {

    /** Far below what the bulk write below puts in the binlog (about 8 MB), far above a caught-up reader's distance. */
    private static final long FALLING_BEHIND_BYTES = 512 * 1024;

    private static ListenerLab lab;
    private static Topology mysql;
    private static Topology mariadb;
    private static ListenerHarness harness;
    /** The listeners' downstream: a test takes every permit to hold them back, as a stalled Kafka would. */
    private static final Semaphore downstream = new Semaphore(Integer.MAX_VALUE);

    @BeforeAll
    static void start() {
        lab = ListenerLab.start(1, 0, () -> new ListenerHarness(null, FALLING_BEHIND_BYTES));
        mysql = lab.mysql();
        mariadb = lab.mariadb();
        harness = lab.harness();
        harness.onEvent = e -> {
            downstream.acquireUninterruptibly();
            downstream.release();
        };
    }

    @AfterAll
    static void stop() {
        if (lab != null) {
            lab.close();
        }
    }

    @Test
    @Order(0)
    void mysqlTransactionAppliedLate_replicasEventCarriesTheSourcesOriginalCommitAndItsOwnLaterImmediateCommit() {
        String cluster = "faults-commit-times";
        DbServer source = mysql.source();
        DbServer replica = mysql.replicas().get(0);
        listenAndAwaitRunning(cluster, source);
        listenAndAwaitRunning(cluster, replica);
        replica.exec("STOP REPLICA SQL_THREAD");
        String gtid;
        try {
            mysql.insert(42);
            String uuid = source.scalar("SELECT @@server_uuid");
            String executed = source.scalar("SELECT @@gtid_executed").replace("\n", "");
            String own = java.util.Arrays.stream(executed.split(",")).filter(p -> p.startsWith(uuid)).findFirst().orElseThrow();
            gtid = uuid + ":" + own.substring(own.lastIndexOf('-') + 1);
            await().atMost(Duration.ofSeconds(30)).until(() -> event(cluster, source, gtid).isPresent());
            java.time.Instant committed = event(cluster, source, gtid).orElseThrow().originalCommitAt();
            // the replica holds the transaction back for two seconds of the source's commit
            await().atMost(Duration.ofSeconds(10)).until(() -> java.time.Instant.now().isAfter(committed.plusSeconds(2)));
        } finally {
            replica.exec("START REPLICA SQL_THREAD");
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> event(cluster, replica, gtid).isPresent());
        io.replsentinel.event.GtidEvent onSource = event(cluster, source, gtid).orElseThrow();
        io.replsentinel.event.GtidEvent onReplica = event(cluster, replica, gtid).orElseThrow();
        assertThat(onSource.immediateCommitAt()).isEqualTo(onSource.originalCommitAt());
        assertThat(onReplica.originalCommitAt()).isEqualTo(onSource.originalCommitAt());
        assertThat(java.time.Duration.between(onReplica.originalCommitAt(), onReplica.immediateCommitAt()))
                .isGreaterThanOrEqualTo(Duration.ofSeconds(2)).isLessThan(Duration.ofSeconds(30));
    }

    private static java.util.Optional<io.replsentinel.event.GtidEvent> event(String cluster, DbServer server, String gtid) {
        return harness.from(cluster, server).stream().filter(e -> e.gtid().equals(gtid)).findFirst();
    }

    @Test
    @Order(1)
    void readerHeldFarBehindTheBinlogEnd_isDownFallingBehind_andRunningOnceCaughtUp() {
        String cluster = "faults-behind";
        DbServer source = mysql.source();
        listenAndAwaitRunning(cluster, source);
        source.exec("CREATE TABLE lab.bulk (id INT PRIMARY KEY, pad VARCHAR(200))");
        mysql.insert(1);
        await().atMost(Duration.ofSeconds(30)).until(() -> !harness.from(cluster, source).isEmpty());

        downstream.acquireUninterruptibly(Integer.MAX_VALUE);
        try {
            // 40,000 rows of 200 bytes (8 MB): Debezium's queue (16,384 records) fills, its reader stops, the binlog grows on
            for (int batch = 0; batch < 4; batch++) {
                int from = batch * 10_000;
                source.exec("SET SESSION cte_max_recursion_depth = 100000",
                        "INSERT INTO lab.bulk WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 10000)"
                                + " SELECT n + " + from + ", REPEAT('x', 200) FROM s");
            }
            BinlogListenerState down = awaitState(cluster, source, BinlogListenerState.DOWN, ListenerDown.FALLING_BEHIND);
            assertThat(down.error()).contains("bytes behind the end of the server's binlog").contains("limit " + FALLING_BEHIND_BYTES);
        } finally {
            downstream.release(Integer.MAX_VALUE);
        }
        awaitState(cluster, source, BinlogListenerState.RUNNING, null);
        // back within the limit is not yet at the end: the last bulk transaction may still be on its way
        await().atMost(Duration.ofSeconds(60)).until(() ->
                harness.from(cluster, source).stream().mapToLong(e -> e.rowCount()).sum() >= 40_001);
    }

    @Test
    @Order(2)
    void mysqlRowImageNoLongerFull_isDownUnsupportedConfig_andRunningOnceFullAgain() {
        downWhileSetUntilRestored("faults-row-image", mysql.source(), "binlog_row_image", "MINIMAL", "FULL");
    }

    @Test
    @Order(3)
    void mariadbStatementBinlog_isDownUnsupportedConfig_andRunningOnceRowAgain() {
        downWhileSetUntilRestored("faults-format", mariadb.source(), "binlog_format", "STATEMENT", "ROW");
    }

    /**
     * A running listener whose server's {@code variable} is set to a value it cannot stream is down
     * with {@code unsupported_config}, saying {@code "<variable> is <unsupported>, not <required>"},
     * and running again once the variable is back.
     */
    private static void downWhileSetUntilRestored(String cluster, DbServer source, String variable, String unsupported,
            String required) {
        listenAndAwaitRunning(cluster, source);
        source.exec("SET GLOBAL " + variable + " = '" + unsupported + "'");
        try {
            BinlogListenerState down = awaitState(cluster, source, BinlogListenerState.DOWN, ListenerDown.UNSUPPORTED_CONFIG);
            assertThat(down.error()).contains(variable + " is " + unsupported + ", not " + required);
        } finally {
            source.exec("SET GLOBAL " + variable + " = '" + required + "'");
        }
        awaitState(cluster, source, BinlogListenerState.RUNNING, null);
    }

    /** Last: a tagged GTID stays in gtid_executed for the server's life. */
    @Test
    @Order(4)
    void mysqlTaggedGtidWritten_isDownTaggedGtids_namingDebeziumsLimit() {
        String cluster = "faults-tagged";
        DbServer source = mysql.source();
        listenAndAwaitRunning(cluster, source);
        source.exec("SET gtid_next = 'AUTOMATIC:tag1'", "INSERT INTO lab.t VALUES (900, 'tagged')", "SET gtid_next = 'AUTOMATIC'");
        assertThat(source.scalar("SELECT @@gtid_executed")).contains(":tag1:");

        BinlogListenerState down = awaitState(cluster, source, BinlogListenerState.DOWN, ListenerDown.TAGGED_GTIDS);
        assertThat(down.error()).contains("tagged GTIDs").contains("Debezium 3.5.0 cannot read");
        // it stays down, saying why, rather than streaming mislabelled GTIDs or restarting silently
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10)).until(() -> harness.latestState(cluster, source)
                .filter(s -> s.down() && ListenerDown.TAGGED_GTIDS.equals(s.cause())).isPresent());
    }

    private static void listenAndAwaitRunning(String cluster, DbServer server) {
        harness.listen(ListenerHarness.watched(cluster, server, Topology.MONITOR_USER, Topology.MONITOR_PASSWORD));
        awaitState(cluster, server, BinlogListenerState.RUNNING, null);
    }

    private static BinlogListenerState awaitState(String cluster, DbServer server, String state, String cause) {
        // the state that matched, not whatever came after it
        return await().atMost(Duration.ofSeconds(60)).until(() -> harness.latestState(cluster, server)
                .filter(s -> s.state().equals(state) && java.util.Objects.equals(s.cause(), cause)), java.util.Optional::isPresent)
                .orElseThrow();
    }
}
