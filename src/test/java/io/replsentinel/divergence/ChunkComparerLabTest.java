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
 * bisection names exactly that row.
 */
class ChunkComparerLabTest {

    private static ServerSession session(DbServer server, String role) throws Exception {
        WatchedInstance w = new WatchedInstance("lab", server.host(), server.port(), Topology.MONITOR_USER,
                new Secret(Topology.MONITOR_PASSWORD), Optional.of(role), Map.of(), false);
        return ServerSession.open(w, "sslMode=PREFERRED&allowPublicKeyRetrieval=true", Duration.ofSeconds(2),
                Duration.ofSeconds(30));
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void rowChangedOnTheReplica_differsAndIsNamedByTheBisection(Flavor flavor) throws Exception {
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
            }
        }
    }
}
