package io.replsentinel.divergence;

import io.replsentinel.inventory.Secret;
import io.replsentinel.inventory.WatchedInstance;
import io.replsentinel.lab.DbServer;
import io.replsentinel.lab.Faults;
import io.replsentinel.lab.Flavor;
import io.replsentinel.lab.Topology;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The comparison and the narrowing on a real source and replica of each flavor, as the monitoring
 * account: equal ranges match, a range with a row changed outside the binary log differs, and the
 * bisection names exactly that row; a stopped and restarted applier reads as a new thread.
 */
class ChunkComparerLabTest {

    private static ServerSession session(DbServer server, String role) throws Exception {
        WatchedInstance w = new WatchedInstance("lab", server.host(), server.port(), Topology.MONITOR_USER,
                new Secret(Topology.MONITOR_PASSWORD), Optional.of(role), Map.of(), false);
        return ServerSession.open(w, "sslMode=PREFERRED&allowPublicKeyRetrieval=true", Duration.ofSeconds(2),
                Duration.ofSeconds(30));
    }

    /** A transaction as a binlog listener publishes it: one row updated in {@code table}. */
    static io.replsentinel.event.GtidEvent touch(String cluster, String table, String gtid, java.time.Instant seenAt,
                                                 List<String> keys) {
        return new io.replsentinel.event.GtidEvent(1, cluster, "127.0.0.1:1", "mysql", gtid, "uuid", null, 1L, null, null,
                seenAt, "binlog.000001", 4L, List.of(new io.replsentinel.event.GtidEvent.TableRows(table, 0, 1, 0)), 1,
                "sha256:00", keys, 1);
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void rowChangedOnTheReplica_differsAndIsNamedByTheBisectionOnceItsLeafIsConfirmed_andARestartedApplierIsANewThread(Flavor flavor) throws Exception {
        try (Topology t = Topology.builder(flavor).replicas(1).build()) {
            t.source().exec("CREATE DATABASE divcheck",
                    "CREATE TABLE divcheck.t (id INT PRIMARY KEY, v VARCHAR(20), n INT NULL)",
                    "INSERT INTO divcheck.t WITH RECURSIVE d(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM d WHERE n < 9)"
                            + " SELECT a.n + 10 * b.n + 100 * c.n + 1, 'v', NULL FROM d a, d b, d c");
            t.awaitReplicasCaughtUp(Duration.ofSeconds(30));
            DbServer replica = t.replicas().get(0);
            try (ServerSession source = session(t.source(), "primary"); ServerSession r = session(replica, "replica")) {
                TableShape shape = TableCatalog.shape(source, new TableRef("divcheck", "t"));
                assertThat(shape.keyColumns()).containsExactly("id");
                ChunkSql sql = new ChunkSql(shape);
                ChunkComparer comparer = new ChunkComparer("lab", new ChunkComparer.Settings(Duration.ofSeconds(5), 2,
                        Duration.ofMillis(50)), HotRanges.UNKNOWN);
                assertThat(comparer.compare(source, List.of(r), shape, sql, KeyRange.ALL).get(r).kind())
                        .isEqualTo(Verdict.Kind.MATCH);

                // NULL and the empty string are different values
                new Faults(t).execUnlogged(replica, "UPDATE divcheck.t SET n = 0 WHERE id = 613");
                Verdict v = comparer.compare(source, List.of(r), shape, sql, KeyRange.ALL).get(r);
                assertThat(v.kind()).isEqualTo(Verdict.Kind.DIFFER);
                assertThat(v.source().rows()).isEqualTo(1000);
                assertThat(v.replica().rows()).isEqualTo(1000);
                Bisector.Result narrowed = new Bisector(source, r, shape, sql, 16, 20, Duration.ofSeconds(5))
                        .narrow(KeyRange.ALL, v.source(), v.replica());
                assertThat(narrowed.rows()).containsExactly(new RowDifference(List.of("613"), RowDifference.Kind.changed));
                assertThat(narrowed.truncated()).isFalse();
                assertThat(narrowed.queries()).isLessThan(100);

                // read side by side: a differing replica still goes through the fenced rounds
                java.util.concurrent.ExecutorService readers = java.util.concurrent.Executors.newSingleThreadExecutor();
                try {
                    // the bisection reading each lower half on both servers at once names the same row
                    Bisector.Result sideBySide = new Bisector(source, r, shape, sql, 16, 20, Duration.ofSeconds(5), readers)
                            .narrow(KeyRange.ALL, v.source(), v.replica());
                    assertThat(sideBySide.rows()).containsExactly(new RowDifference(List.of("613"), RowDifference.Kind.changed));
                    assertThat(sideBySide.truncated()).isFalse();

                    // narrowed first, confirmed per leaf: the confirming rounds run over the leaf of row 613 alone
                    List<KeyRange> confirmedLeaves = new java.util.ArrayList<>();
                    Bisector.Result perLeaf = new Bisector(source, r, shape, sql, 16, 20, Duration.ofSeconds(5), readers,
                            leaf -> {
                                ChunkComparer.Rounds leafRounds = comparer.rounds(source, List.of(r), shape, sql, leaf, null);
                                Verdict lv;
                                try {
                                    lv = leafRounds.runToEnd().get(r);
                                } catch (InterruptedException e) {
                                    throw new java.sql.SQLException(e);
                                }
                                if (lv.kind() == Verdict.Kind.DIFFER) {
                                    confirmedLeaves.add(leaf);
                                    assertThat(lv.source().rows()).isLessThanOrEqualTo(16);
                                }
                                return new Bisector.Confirmation(lv.kind() == Verdict.Kind.DIFFER, 4 * leafRounds.rounds());
                            }).narrow(KeyRange.ALL, v.source(), v.replica());
                    assertThat(perLeaf.rows()).containsExactly(new RowDifference(List.of("613"), RowDifference.Kind.changed));
                    assertThat(perLeaf.unconfirmed()).isZero();
                    assertThat(confirmedLeaves).hasSize(1);
                    // a leaf whose difference is not confirmed (its source rows kept changing) names nothing
                    Bisector.Result hotLeaf = new Bisector(source, r, shape, sql, 16, 20, Duration.ofSeconds(5), readers,
                            leaf -> new Bisector.Confirmation(false, 0)).narrow(KeyRange.ALL, v.source(), v.replica());
                    assertThat(hotLeaf.rows()).isEmpty();
                    assertThat(hotLeaf.unconfirmed()).isEqualTo(1);
                    assertThat(hotLeaf.truncated()).isFalse();
                    assertThat(comparer.compareAtOnce(source, List.of(r), shape, sql, KeyRange.of(List.of("700"), null),
                            readers).get(r).kind()).isEqualTo(Verdict.Kind.MATCH);
                    assertThat(comparer.compareAtOnce(source, List.of(r), shape, sql, KeyRange.ALL, readers).get(r).kind())
                            .isEqualTo(Verdict.Kind.DIFFER);
                    // the confirming rounds run through other chunks' side-by-side reads: the same verdicts, round by round
                    ChunkComparer.Rounds rounds = comparer.lookAtOnce(source, List.of(r), shape, sql, KeyRange.ALL, readers)
                            .rounds();
                    assertThat(rounds).isNotNull();
                    int looks = 0;
                    while (!rounds.done()) {
                        ChunkComparer.FirstLook other = comparer.lookAtOnce(source, List.of(r), shape, sql,
                                KeyRange.of(List.of("700"), null), readers, rounds);
                        assertThat(other.matched().get(r).kind()).isEqualTo(Verdict.Kind.MATCH);
                        looks++;
                    }
                    assertThat(rounds.verdicts().get(r).kind()).isEqualTo(Verdict.Kind.DIFFER);
                    assertThat(looks).as("the first fenced round and two confirmations").isEqualTo(3);
                } finally {
                    readers.shutdownNow();
                }

                // the stream says the table's row 613 is being written: the same difference is hot, not divergence
                StreamHotRanges stream = new StreamHotRanges(new com.fasterxml.jackson.databind.ObjectMapper(),
                        OnePass.config(Map.of("sentinel.divergence.enabled", "true")));
                ChunkComparer streamed = new ChunkComparer("lab", new ChunkComparer.Settings(Duration.ofSeconds(5), 2,
                        Duration.ofMillis(50)), stream);
                stream.record(touch("lab", "divcheck.t", "uuid:41", java.time.Instant.now().plusSeconds(60), List.of("divcheck.t:id=900;")));
                assertThat(streamed.compare(source, List.of(r), shape, sql, KeyRange.of(List.of("600"), List.of("700")))
                        .get(r).kind()).as("a touch outside the range").isEqualTo(Verdict.Kind.DIFFER);
                stream.record(touch("lab", "divcheck.t", "uuid:42", java.time.Instant.now().plusSeconds(60), List.of("divcheck.t:id=613;")));
                Verdict hot = streamed.compare(source, List.of(r), shape, sql, KeyRange.of(List.of("600"), List.of("700"))).get(r);
                assertThat(hot.kind()).isEqualTo(Verdict.Kind.INCONCLUSIVE);
                assertThat(hot.reason()).startsWith("hot");
                assertThat(stream.lastTouched("lab", new TableRef("divcheck", "t"), List.of(List.of("613"))))
                        .containsExactly("uuid:42");
                // without key values the whole table is hot
                StreamHotRanges tableOnly = new StreamHotRanges(new com.fasterxml.jackson.databind.ObjectMapper(),
                        OnePass.config(Map.of("sentinel.divergence.enabled", "true")));
                tableOnly.record(touch("lab", "divcheck.t", "uuid:43", java.time.Instant.now().plusSeconds(60), null));
                assertThat(new ChunkComparer("lab", new ChunkComparer.Settings(Duration.ofSeconds(5), 2,
                        Duration.ofMillis(50)), tableOnly).compare(source, List.of(r), shape, sql, KeyRange.ALL).get(r).kind())
                        .isEqualTo(Verdict.Kind.INCONCLUSIVE);
                assertThat(tableOnly.lastTouched("lab", new TableRef("divcheck", "t"), List.of(List.of("613")))).isEmpty();

                // the applier as the monitoring account sees it: a stopped one is none, a restarted one a new thread
                String running = r.applierThreads();
                assertThat(running).as("the running applier").isNotEmpty();
                assertThat(r.applierThreads()).isEqualTo(running);
                replica.exec(flavor == Flavor.MYSQL ? "STOP REPLICA SQL_THREAD" : "STOP SLAVE SQL_THREAD");
                org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                        .untilAsserted(() -> assertThat(r.applierThreads()).as("a stopped applier").isEmpty());
                replica.exec(flavor == Flavor.MYSQL ? "START REPLICA SQL_THREAD" : "START SLAVE SQL_THREAD");
                org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                        .untilAsserted(() -> assertThat(r.applierThreads()).as("the restarted applier")
                                .isNotEmpty().isNotEqualTo(running));
            }
        }
    }
}
