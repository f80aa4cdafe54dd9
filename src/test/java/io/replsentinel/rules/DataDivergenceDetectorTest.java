package io.replsentinel.rules;

import io.replsentinel.event.DivergenceFinding;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static io.replsentinel.rules.StatusBuilder.instance;
import static org.assertj.core.api.Assertions.assertThat;

/** DataDivergence reads the checker's findings in the cluster view: one alert per replica and table, until each range matches. */
class DataDivergenceDetectorTest {

    private static final Instant T0 = Instant.parse("2026-11-26T00:00:00Z");
    private static final String SOURCE = "127.0.0.1:23306";
    private static final String R1 = "127.0.0.1:23307";

    private final ClusterView view = new ClusterView(Statuses.CLUSTER);
    private final Detector detector = DetectorCatalogue.all().stream()
            .filter(d -> d.alertname().equals(DetectorCatalogue.DATA_DIVERGENCE)).findFirst().orElseThrow();

    private static DivergenceFinding finding(String state, String rangeId, int rows, List<DivergenceFinding.DifferingKey> keys) {
        return new DivergenceFinding(1, Statuses.CLUSTER, R1, SOURCE, "shop", "orders", state, rangeId, List.of("id"),
                null, List.of("1000"), 1000, 999, "00000000000000aa", "00000000000000bb", rows, false, keys,
                "0123456789abcdef", Map.of("missing_on_replica", rows), "triggered", "ReplicationSqlThreadStopped", List.of(), T0);
    }

    @Test
    void divergedRanges_fireOneCriticalAlertPerReplicaAndTable_withEveryRangeInTheEvidence() {
        view.update(instance(SOURCE).expectedRole("primary").build());
        view.update(instance(R1).expectedRole("replica").replicating(SOURCE, 0L).build());
        view.update(finding("diverged", "aaaaaaaaaaaaaaaa", 1, List.of(new DivergenceFinding.DifferingKey(List.of("17"), "missing_on_replica"))));
        view.update(finding("diverged", "bbbbbbbbbbbbbbbb", 2, List.of()));

        List<Finding> f = detector.detect(view);
        assertThat(f).hasSize(1);
        assertThat(f.get(0).severity()).isEqualTo("critical");
        assertThat(f.get(0).instance()).isEqualTo(R1);
        assertThat(f.get(0).labels()).isEqualTo(Map.of("table", "shop.orders"));
        assertThat(f.get(0).evidence()).containsEntry("differingRows", 3).containsEntry("foundBy", "triggered")
                .containsEntry("trigger", "ReplicationSqlThreadStopped").containsEntry("source", SOURCE);
        assertThat((List<?>) f.get(0).evidence().get("ranges")).hasSize(2);
    }

    @Test
    void everyRangeMatchingAgain_clearsTheCondition() {
        view.update(finding("diverged", "aaaaaaaaaaaaaaaa", 1, List.of()));
        view.update(finding("matched", "bbbbbbbbbbbbbbbb", 0, List.of()));
        assertThat(detector.detect(view)).hasSize(1);
        view.update(finding("matched", "aaaaaaaaaaaaaaaa", 0, List.of()));
        assertThat(detector.detect(view)).isEmpty();
    }

    @Test
    void aRowInTwoOpenRanges_cutDifferentlyByTwoPasses_isCountedOnce() {
        view.update(instance(SOURCE).expectedRole("primary").build());
        view.update(instance(R1).expectedRole("replica").replicating(SOURCE, 0L).build());
        DivergenceFinding.DifferingKey row17 = new DivergenceFinding.DifferingKey(List.of("17"), "missing_on_replica");
        DivergenceFinding.DifferingKey row40 = new DivergenceFinding.DifferingKey(List.of("40"), "missing_on_replica");
        view.update(finding("diverged", "aaaaaaaaaaaaaaaa", 1, List.of(row17)));
        view.update(finding("diverged", "cccccccccccccccc", 2, List.of(row17, row40)));

        assertThat(detector.detect(view).get(0).evidence()).containsEntry("differingRows", 2);
    }
}
