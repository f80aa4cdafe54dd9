package io.replsentinel.rules;

import io.replsentinel.event.BinlogListenerState;
import io.replsentinel.event.GtidEvent;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.replsentinel.rules.StatusBuilder.instance;
import static org.assertj.core.api.Assertions.assertThat;

/** MissingTransactions and BinlogListenerDown over cluster views fed with listener events. */
class StreamDetectorsTest {

    private static final Instant T0 = Instant.parse("2026-11-26T00:00:00Z");
    private static final String SOURCE = "127.0.0.1:23306";
    private static final String R1 = "127.0.0.1:23307";
    private static final String A = "d8d77de1-e932-11f1-91ae-02fc00000001";
    private static final String ROWS = "sha256:" + "1".repeat(64);
    private static final String OTHER_ROWS = "sha256:" + "2".repeat(64);

    private final List<Detector> detectors = DetectorCatalogue.all(new DetectorSettings(Duration.ofSeconds(5),
            Duration.ofSeconds(300), Set.of(), Set.of(), Set.of()));
    private final ClusterView view = new ClusterView(Statuses.CLUSTER);

    private List<Finding> findings(String alertname) {
        List<Finding> result = new ArrayList<>();
        detectors.stream().filter(d -> d.alertname().equals(alertname)).forEach(d -> result.addAll(d.detect(view)));
        return result;
    }

    private void healthyPair(Instant at) {
        view.update(instance(SOURCE).serverId(1).expectedRole("primary").at(at).build());
        view.update(instance(R1).serverId(2).expectedRole("replica").replicating(SOURCE, 0L).at(at).build());
    }

    private void listening(String instance, Instant since) {
        view.stream().update(new BinlogListenerState(1, Statuses.CLUSTER, instance, BinlogListenerState.RUNNING, null, null,
                4_200_000_000L, since, since, null, 0, 1));
    }

    private static GtidEvent tx(String instance, long seq, String digest, long rows, Instant seenAt) {
        List<GtidEvent.TableRows> tables = rows == 0 ? List.of() : List.of(new GtidEvent.TableRows("lab.t", rows, 0, 0));
        return new GtidEvent(1, Statuses.CLUSTER, instance, "mysql", A + ":" + seq, A, null, 1L, seenAt, null, seenAt,
                "binlog.000002", 100L * seq, tables, rows, rows == 0 ? GtidEvent.EMPTY_DIGEST : digest, null, seq);
    }

    @Test
    void missingTransactions_replicaLoggedTheSourcesGtidEmpty_firesSkippedWithBothSides() {
        listening(SOURCE, T0.minusSeconds(60));
        listening(R1, T0.minusSeconds(60));
        view.stream().add(tx(R1, 7, null, 0, T0.minusSeconds(2)));
        view.stream().add(tx(SOURCE, 7, ROWS, 1, T0.minusSeconds(1)));
        healthyPair(T0);
        assertThat(findings(DetectorCatalogue.MISSING_TRANSACTIONS)).singleElement().satisfies(f -> {
            assertThat(f.instance()).isEqualTo(R1);
            assertThat(f.labels()).containsEntry("cause", "skipped");
            assertThat(f.severity()).isEqualTo("critical");
            @SuppressWarnings("unchecked")
            Map<String, Object> first = ((List<Map<String, Object>>) f.evidence().get("gtids")).get(0);
            assertThat(first).containsEntry("gtid", A + ":7").containsEntry("sourceRowCount", 1L)
                    .containsEntry("replicaRowsDigest", GtidEvent.EMPTY_DIGEST);
        });
    }

    @Test
    void missingTransactions_replicaLoggedOtherRows_firesDigestMismatch() {
        listening(SOURCE, T0.minusSeconds(60));
        listening(R1, T0.minusSeconds(60));
        view.stream().add(tx(SOURCE, 7, ROWS, 1, T0.minusSeconds(2)));
        view.stream().add(tx(R1, 7, OTHER_ROWS, 1, T0.minusSeconds(1)));
        healthyPair(T0);
        assertThat(findings(DetectorCatalogue.MISSING_TRANSACTIONS)).singleElement()
                .satisfies(f -> assertThat(f.labels()).containsEntry("cause", "digest_mismatch"));
    }

    @Test
    void missingTransactions_gapBehindALaterAppliedTransaction_firesNotAppliedOnlyPastTheLagWarning() {
        listening(SOURCE, T0.minusSeconds(60));
        listening(R1, T0.minusSeconds(60));
        view.stream().add(tx(SOURCE, 7, ROWS, 1, T0.minusSeconds(3)));
        view.stream().add(tx(SOURCE, 8, ROWS, 1, T0.minusSeconds(3)));
        view.stream().add(tx(R1, 8, ROWS, 1, T0.minusSeconds(2)));
        healthyPair(T0);
        assertThat(findings(DetectorCatalogue.MISSING_TRANSACTIONS)).as("within the lag warning").isEmpty();
        healthyPair(T0.plusSeconds(3));
        assertThat(findings(DetectorCatalogue.MISSING_TRANSACTIONS)).singleElement().satisfies(f -> {
            assertThat(f.labels()).containsEntry("cause", "not_applied");
            assertThat(f.evidence()).containsEntry("transactions", 1);
        });
    }

    @Test
    void missingTransactions_sameRowsOnBoth_orSeenBeforeTheReplicasListenerRan_raiseNothing() {
        listening(SOURCE, T0.minusSeconds(60));
        listening(R1, T0.minusSeconds(10));
        view.stream().add(tx(SOURCE, 6, ROWS, 1, T0.minusSeconds(20)));
        view.stream().add(tx(SOURCE, 7, ROWS, 1, T0.minusSeconds(3)));
        view.stream().add(tx(R1, 7, ROWS, 1, T0.minusSeconds(2)));
        healthyPair(T0.plusSeconds(400));
        assertThat(findings(DetectorCatalogue.MISSING_TRANSACTIONS)).isEmpty();
    }

    @Test
    void binlogListenerDown_downStateFiresWithItsCause_runningClearsIt() {
        healthyPair(T0);
        view.stream().update(new BinlogListenerState(1, Statuses.CLUSTER, R1, BinlogListenerState.DOWN, "privileges",
                "Access denied; you need (at least one of) the REPLICATION SLAVE privilege(s)", 4_200_000_001L,
                T0, T0, null, 12, 3));
        assertThat(findings(DetectorCatalogue.BINLOG_LISTENER_DOWN)).singleElement().satisfies(f -> {
            assertThat(f.instance()).isEqualTo(R1);
            assertThat(f.labels()).containsEntry("cause", "privileges");
            assertThat(f.severity()).isEqualTo("warning");
            assertThat(f.evidence()).containsEntry("listenerServerId", 4_200_000_001L);
        });
        listening(R1, T0.plusSeconds(1));
        assertThat(findings(DetectorCatalogue.BINLOG_LISTENER_DOWN)).isEmpty();
    }

    private static final String R1_UUID = "d8d77de1-e932-11f1-91ae-02fc00000002";

    /** One poll of the pair: the replica's, then the source's just after it, as the errant check needs. */
    private void polls(Instant at, String replicaGtids) {
        view.update(instance(R1).serverId(2).serverUuid(R1_UUID).expectedRole("replica").replicating(SOURCE, 0L)
                .gtidExecuted(replicaGtids).at(at).build());
        view.update(instance(SOURCE).serverId(1).serverUuid(A).expectedRole("primary").gtidExecuted(A + ":1-5")
                .at(at.plusMillis(10)).build());
    }

    private static GtidEvent errantTx(Instant seenAt) {
        return new GtidEvent(1, Statuses.CLUSTER, R1, "mysql", R1_UUID + ":1", R1_UUID, null, 2L, seenAt, null, seenAt,
                "binlog.000002", 900L, List.of(new GtidEvent.TableRows("lab.t", 2, 1, 0)), 3, ROWS, null, 9);
    }

    @Test
    void errantTransactions_pollFindsItBeforeTheListener_waitsForTheListenersTablesAndFiresOnceWithThem() {
        listening(SOURCE, T0.minusSeconds(60));
        listening(R1, T0.minusSeconds(60));
        polls(T0, A + ":1-5");
        assertThat(findings(DetectorCatalogue.ERRANT_TRANSACTIONS)).isEmpty();
        polls(T0.plusSeconds(1), A + ":1-5," + R1_UUID + ":1");
        assertThat(findings(DetectorCatalogue.ERRANT_TRANSACTIONS)).as("held for the listener's evidence").isEmpty();
        view.stream().add(errantTx(T0.plusMillis(1_500)));
        assertThat(findings(DetectorCatalogue.ERRANT_TRANSACTIONS)).singleElement().satisfies(f -> {
            assertThat(f.instance()).isEqualTo(R1);
            assertThat(f.evidence()).containsEntry("foundBy", "poll").containsEntry("errantGtids", R1_UUID + ":1")
                    .containsEntry("errantTables", List.of(Map.of("table", "lab.t", "inserted", 2L, "updated", 1L, "deleted", 0L)));
        });
    }

    @Test
    void errantTransactions_listenerNeverDeliversTheTransaction_firesWithThePollsEvidenceAfterTheStreamWait() {
        listening(SOURCE, T0.minusSeconds(60));
        listening(R1, T0.minusSeconds(60));
        polls(T0, A + ":1-5");
        findings(DetectorCatalogue.ERRANT_TRANSACTIONS);
        String errant = A + ":1-5," + R1_UUID + ":1";
        polls(T0.plusSeconds(1), errant);
        assertThat(findings(DetectorCatalogue.ERRANT_TRANSACTIONS)).isEmpty();
        polls(T0.plusSeconds(2), errant);
        assertThat(findings(DetectorCatalogue.ERRANT_TRANSACTIONS)).as("within the 2 s wait").isEmpty();
        polls(T0.plusSeconds(3), errant);
        assertThat(findings(DetectorCatalogue.ERRANT_TRANSACTIONS)).singleElement()
                .satisfies(f -> assertThat(f.evidence()).containsEntry("errantGtids", R1_UUID + ":1").doesNotContainKey("errantTables"));
        polls(T0.plusSeconds(4), errant);
        assertThat(findings(DetectorCatalogue.ERRANT_TRANSACTIONS)).as("never held again while it lasts").hasSize(1);
    }

    @Test
    void errantTransactions_noListenerRunningOnTheReplica_firesFromThePollAtOnce() {
        listening(SOURCE, T0.minusSeconds(60));
        polls(T0, A + ":1-5");
        findings(DetectorCatalogue.ERRANT_TRANSACTIONS);
        polls(T0.plusSeconds(1), A + ":1-5," + R1_UUID + ":1");
        assertThat(findings(DetectorCatalogue.ERRANT_TRANSACTIONS)).singleElement()
                .satisfies(f -> assertThat(f.evidence()).containsEntry("errantGtids", R1_UUID + ":1"));
    }
}
