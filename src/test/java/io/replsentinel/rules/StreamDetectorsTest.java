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
}
