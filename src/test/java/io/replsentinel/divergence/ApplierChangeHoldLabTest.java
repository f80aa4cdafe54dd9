package io.replsentinel.divergence;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.replsentinel.event.DivergenceFinding;
import io.replsentinel.inventory.Secret;
import io.replsentinel.inventory.WatchedInstance;
import io.replsentinel.lab.DbServer;
import io.replsentinel.lab.Faults;
import io.replsentinel.lab.Flavor;
import io.replsentinel.lab.Topology;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A background pass that finds rows differing on a replica whose applier just stopped and started
 * again holds the finding back for {@code applier-change-hold}: reported then as the pass's when no
 * check claimed it (never hidden, never sooner), or by the check an alert asked for meanwhile. The
 * flavors differ only in how the applier is read, which {@link ChunkComparerLabTest} proves on both.
 */
class ApplierChangeHoldLabTest {

    private static final Duration HOLD = Duration.ofSeconds(5);

    private static WatchedInstance instance(DbServer server, String role) {
        return new WatchedInstance("lab", server.host(), server.port(), Topology.MONITOR_USER,
                new Secret(Topology.MONITOR_PASSWORD), Optional.of(role), Map.of(), false);
    }

    @Test
    void differenceOnAReplicaWhoseApplierJustRestarted_isHeldBack_thenReportedByThePassOrByTheAlertsCheck() throws Exception {
        try (Topology t = Topology.builder(Flavor.MARIADB).replicas(1).build()) {
            String rows = " WITH RECURSIVE d(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM d WHERE n < 9)"
                    + " SELECT a.n + 10 * b.n + 100 * c.n + 1, 'v' FROM d a, d b, d c";
            t.source().exec("CREATE DATABASE divcheck",
                    "CREATE TABLE divcheck.t (id INT PRIMARY KEY, v VARCHAR(20))", "INSERT INTO divcheck.t" + rows,
                    "CREATE TABLE divcheck.u (id INT PRIMARY KEY, v VARCHAR(20))", "INSERT INTO divcheck.u" + rows);
            t.awaitReplicasCaughtUp(Duration.ofSeconds(30));
            DbServer replica = t.replicas().get(0);
            Faults faults = new Faults(t);
            List<DivergenceFinding> findings = new CopyOnWriteArrayList<>();
            DivergenceConfig config = OnePass.config(Map.of("sentinel.divergence.include-schemas", "divcheck",
                    "sentinel.divergence.report-key-values", "true", "sentinel.divergence.scan-interval", "200ms",
                    "sentinel.divergence.pause-for", "500ms",
                    "sentinel.divergence.applier-change-hold", HOLD.toMillis() + "ms"));
            ClusterScanner scanner = new ClusterScanner("lab", List.of(instance(t.source(), "primary"),
                    instance(replica, "replica")), config, "sslMode=PREFERRED&allowPublicKeyRetrieval=true",
                    Duration.ofSeconds(2), findings::add, new DivergenceMetrics(new SimpleMeterRegistry()),
                    HotRanges.UNKNOWN);
            Thread thread = new Thread(scanner, "divergence-lab");
            thread.start();
            try {
                // a pass has run: the applier's first reading, what a restart is told from, is taken
                await().atMost(Duration.ofSeconds(60)).until(() -> scanner.report().passes() >= 1);

                // the applier stopped, a row changed meanwhile outside the binary log, the applier started again
                long beforeStart = restartApplierChanging(replica, faults, "divcheck.t");
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
                        .until(() -> diverged(findings, "t").isPresent());
                long reportedAfter = System.nanoTime() - beforeStart;
                DivergenceFinding byPass = diverged(findings, "t").orElseThrow();
                assertThat(byPass.foundBy()).isEqualTo(DivergenceFinding.SCHEDULED);
                assertThat(byPass.differingKeys()).containsExactly(
                        new DivergenceFinding.DifferingKey(List.of("613"), "changed"));
                // no sooner than the hold after the new applier could first be seen
                assertThat(Duration.ofNanos(reportedAfter)).isGreaterThanOrEqualTo(HOLD);

                // the same, and the alert about that applier asks for a check of the table while the pass holds it
                restartApplierChanging(replica, faults, "divcheck.u");
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20))
                        .until(() -> scanner.heldBack() >= 1);
                scanner.trigger(new ClusterScanner.Trigger(List.of(new TableRef("divcheck", "u")),
                        Optional.of(replica.id()), "ReplicationSqlThreadStopped", 0, Instant.EPOCH));
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
                        .until(() -> diverged(findings, "u").isPresent());
                DivergenceFinding byCheck = diverged(findings, "u").orElseThrow();
                assertThat(byCheck.foundBy()).isEqualTo(DivergenceFinding.TRIGGERED);
                assertThat(byCheck.trigger()).isEqualTo("ReplicationSqlThreadStopped");
                assertThat(byCheck.differingKeys()).containsExactly(
                        new DivergenceFinding.DifferingKey(List.of("613"), "changed"));
                // the held-back finding is let go: nothing is held, and the pass never reported it
                await().atMost(Duration.ofSeconds(30)).until(() -> scanner.heldBack() == 0);
                assertThat(findings.stream().filter(f -> f.table().equals("u"))
                        .filter(f -> DivergenceFinding.SCHEDULED.equals(f.foundBy()))).isEmpty();
            } finally {
                scanner.stop();
                thread.interrupt();
                thread.join(10_000);
            }
        }
    }

    /** Stops the replica's applier, changes row 613 of {@code table} outside the binary log, starts it; when START was sent. */
    private static long restartApplierChanging(DbServer replica, Faults faults, String table) {
        replica.exec("STOP SLAVE SQL_THREAD");
        faults.execUnlogged(replica, "UPDATE " + table + " SET v = 'replica only' WHERE id = 613");
        long beforeStart = System.nanoTime();
        replica.exec("START SLAVE SQL_THREAD");
        return beforeStart;
    }

    private static Optional<DivergenceFinding> diverged(List<DivergenceFinding> findings, String table) {
        return findings.stream().filter(f -> f.table().equals(table))
                .filter(f -> DivergenceFinding.DIVERGED.equals(f.state())).findFirst();
    }
}
