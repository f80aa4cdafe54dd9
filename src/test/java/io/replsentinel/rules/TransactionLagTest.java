package io.replsentinel.rules;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.replsentinel.event.GtidEvent;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static io.replsentinel.rules.StatusBuilder.instance;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Per-transaction lag: measured whichever listener's event reaches the engine first, from MySQL's
 * commit timestamps with the hosts' skew taken off, and the source of ReplicationLagHigh when enabled.
 */
class TransactionLagTest {

    private static final Instant T0 = Instant.parse("2026-11-26T00:00:00Z");
    private static final String SOURCE = "127.0.0.1:23306";
    private static final String R1 = "127.0.0.1:23307";
    private static final String UUID = "3e11fa47-71ca-11e1-9e33-c80aa9429562";

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final TransactionLag lag = new TransactionLag(registry, true);
    private final ClusterView view = new ClusterView(Statuses.CLUSTER);

    private void pair() {
        view.update(instance(SOURCE).serverId(1).expectedRole("primary").at(T0).build());
        view.update(instance(R1).serverId(2).expectedRole("replica").replicating(SOURCE, 0L).at(T0).build());
    }

    private static GtidEvent tx(String instance, long seq, Instant seenAt) {
        return tx(instance, seq, null, null, seenAt);
    }

    /** A transaction with MySQL's commit timestamps as the instance's binlog wrote them, on its host's clock. */
    private static GtidEvent tx(String instance, long seq, Instant original, Instant immediate, Instant seenAt) {
        return new GtidEvent(1, Statuses.CLUSTER, instance, "mysql", UUID + ":" + seq, UUID, null, 1L, original, immediate, seenAt,
                "binlog.000002", 100L * seq, List.of(new GtidEvent.TableRows("lab.t", 1, 0, 0)), 1, "sha256:" + "1".repeat(64),
                null, seq);
    }

    private void arrive(GtidEvent e) {
        view.stream().add(e);
        lag.record(view, e);
    }

    private DistributionSummary replicaLag() {
        return registry.find("mysql_replication_transaction_lag_seconds").tag("instance", R1).summary();
    }

    @Test
    void sourceEventFirst_recordsTheReplicasLagOnce() {
        pair();
        arrive(tx(SOURCE, 5, T0));
        arrive(tx(R1, 5, T0.plusMillis(250)));
        assertThat(replicaLag().count()).isEqualTo(1);
        assertThat(replicaLag().totalAmount()).isEqualTo(0.25);
    }

    @Test
    void replicaEventFirst_recordsTheReplicasLagWhenTheSourcesArrives_once() {
        pair();
        arrive(tx(R1, 6, T0.plusMillis(400)));
        assertThat(registry.find("mysql_replication_transaction_lag_seconds").summary()).isNull();
        arrive(tx(SOURCE, 6, T0));
        assertThat(replicaLag().count()).isEqualTo(1);
        assertThat(replicaLag().totalAmount()).isEqualTo(0.4);
        assertThat(registry.find("mysql_replication_transaction_lag_seconds").tag("instance", SOURCE).summary()).isNull();
    }

    @Test
    void replicaListenerSawItBeforeTheSources_countsNoLagRatherThanANegativeOne() {
        pair();
        arrive(tx(R1, 7, T0));
        arrive(tx(SOURCE, 7, T0.plus(Duration.ofMillis(300))));
        assertThat(replicaLag().totalAmount()).isZero();
    }

    @Test
    void byDefault_theHistogramHasNoInstanceLabel_oneSeriesPerCluster() {
        TransactionLag byCluster = new TransactionLag(registry);
        pair();
        view.stream().add(tx(SOURCE, 8, T0));
        byCluster.record(view, tx(SOURCE, 8, T0));
        GtidEvent copy = tx(R1, 8, T0.plusMillis(100));
        view.stream().add(copy);
        byCluster.record(view, copy);
        DistributionSummary s = registry.find("mysql_replication_transaction_lag_seconds").tag("cluster", Statuses.CLUSTER).summary();
        assertThat(s.getId().getTag("instance")).isNull();
        assertThat(s.count()).isEqualTo(1);
    }

    @Test
    void mysqlCommitTimestamps_lagIsImmediateMinusOriginal_withTheReplicaHostsClockSkewTakenOff() {
        pair();
        // the replica's host clock runs 5 s ahead; each listener delivers 10 ms after the commit
        Duration skew = Duration.ofSeconds(5);
        arrive(tx(SOURCE, 9, T0, T0, T0.plusMillis(10)));
        Instant replicaCommit = T0.plusSeconds(2);
        arrive(tx(R1, 9, T0, replicaCommit.plus(skew), replicaCommit.plusMillis(10)));
        assertThat(replicaLag().count()).isEqualTo(1);
        assertThat(replicaLag().totalAmount()).isCloseTo(2.0, org.assertj.core.data.Offset.offset(0.001));
        assertThat(view.stream().lag(R1)).get().satisfies(l -> {
            assertThat(l.method()).isEqualTo(TransactionLag.METHOD_COMMIT);
            assertThat(l.lag()).isEqualTo(Duration.ofSeconds(2));
        });
    }

    @Test
    void mysqlCommitTimestampsWithoutTheSourcesListener_areUsedUncorrected_andSaySo() {
        pair();
        arrive(tx(R1, 10, T0, T0.plusMillis(700), T0.plusMillis(710)));
        assertThat(replicaLag().totalAmount()).isCloseTo(0.7, org.assertj.core.data.Offset.offset(0.001));
        assertThat(view.stream().lag(R1)).get().extracting(TransactionStream.LagSample::method)
                .isEqualTo(TransactionLag.METHOD_COMMIT_UNCORRECTED);
    }

    @Test
    void replicationLagHigh_fromTransactionLag_whenEnabled_andFromTheServerOnceTheSampleIsOld() {
        DetectorSettings on = new DetectorSettings(Duration.ofSeconds(30), Duration.ofSeconds(300), java.util.Set.of(),
                java.util.Set.of(), java.util.Set.of(), true, Duration.ofSeconds(30), false);
        Detector lagHigh = DetectorCatalogue.all(on).stream()
                .filter(d -> d.alertname().equals(DetectorCatalogue.REPLICATION_LAG_HIGH)).findFirst().orElseThrow();
        Detector off = DetectorCatalogue.all(DetectorSettings.defaults()).stream()
                .filter(d -> d.alertname().equals(DetectorCatalogue.REPLICATION_LAG_HIGH)).findFirst().orElseThrow();
        pair();
        arrive(tx(SOURCE, 11, T0.minusSeconds(40), T0.minusSeconds(40), T0.minusSeconds(40)));
        arrive(tx(R1, 11, T0.minusSeconds(40), T0, T0));

        assertThat(off.detect(view)).isEmpty(); // Seconds_Behind_Source says 0
        assertThat(lagHigh.detect(view)).singleElement().satisfies(f -> {
            assertThat(f.instance()).isEqualTo(R1);
            assertThat(f.severity()).isEqualTo(DetectorCatalogue.WARNING);
            assertThat(f.evidence()).containsEntry("source", "transactions").containsEntry("lagSeconds", 40.0)
                    .containsEntry("transactionLagMethod", TransactionLag.METHOD_COMMIT);
        });

        view.update(instance(R1).serverId(2).expectedRole("replica").replicating(SOURCE, 0L).at(T0.plusSeconds(31)).build());
        assertThat(lagHigh.detect(view)).isEmpty();
    }
}
