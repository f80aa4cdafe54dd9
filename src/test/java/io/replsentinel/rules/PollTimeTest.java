package io.replsentinel.rules;

import io.replsentinel.event.Alert;
import io.replsentinel.event.ChannelStatus;
import io.replsentinel.event.PollerIdentity;
import io.replsentinel.event.ReplicationStatus;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static io.replsentinel.rules.Statuses.channel;
import static io.replsentinel.rules.Statuses.healthy;
import static io.replsentinel.rules.Statuses.replica;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The engine orders an instance's statuses by the poller's sequence and identity, and runs the
 * alert lifecycle on poll time that follows the service clock when it steps back.
 */
class PollTimeTest {

    private static final Instant T0 = Instant.parse("2026-11-26T12:00:00Z");
    private static final String R1 = "r1:3306";
    private static final PollerIdentity NODE_A = new PollerIdentity("node-a", 0, "epoch-1");
    private static final PollerIdentity NODE_A_RESTARTED = new PollerIdentity("node-a", 0, "epoch-2");
    private static final ChannelStatus DUP_KEY = channel(ChannelStatus.RUNNING, ChannelStatus.STOPPED, 0, null, 1062,
            "Duplicate entry '100' for key 't.PRIMARY'");
    private static final ChannelStatus CONNECTING = channel(ChannelStatus.CONNECTING, ChannelStatus.RUNNING, 2003,
            "Can't connect to MySQL server on '10.0.0.11:3306' (111)", 0, null);

    private final ClusterView view = new ClusterView(Statuses.CLUSTER);
    /** The view holds a lone replica: only the thread alerts speak about it. */
    private final List<Detector> detectors = DetectorCatalogue.all().stream()
            .filter(d -> d.alertname().startsWith("Replication") && d.alertname().contains("Thread")).toList();
    private final AlertTracker tracker = new AlertTracker(new AlertTracker.Settings(
            a -> a.equals(DetectorCatalogue.REPLICATION_IO_THREAD_CONNECTING) ? Duration.ofSeconds(30) : Duration.ZERO,
            Duration.ofSeconds(10), "https://example.test/runbooks.md", "http://sentinel:8480"));

    private static ReplicationStatus poll(PollerIdentity poller, long sequence, Instant at, ChannelStatus ch) {
        return replica(R1, at, ch).toBuilder().poller(poller).sequence(sequence).build();
    }

    /** What the engine does with one status: fold it in, detect, run the lifecycle on the view's time. */
    private List<Alert> evaluate(ReplicationStatus s) {
        if (!view.update(s)) {
            return List.of();
        }
        List<Finding> findings = new ArrayList<>();
        detectors.forEach(d -> findings.addAll(d.detect(view)));
        return tracker.evaluate(view, findings, view.time());
    }

    @Test
    void samePoller_higherSequenceWinsEvenWhenItsObservedAtIsEarlier() {
        assertThat(view.update(poll(NODE_A, 5, T0, healthy()))).isTrue();
        assertThat(view.update(poll(NODE_A, 6, T0.minus(Duration.ofHours(1)), DUP_KEY))).isTrue();
        assertThat(view.instance(R1).orElseThrow().sequence()).isEqualTo(6);
        assertThat(view.update(poll(NODE_A, 4, T0.plusSeconds(5), healthy()))).as("a late, older poll").isFalse();
        assertThat(view.update(poll(NODE_A, 6, T0.plusSeconds(5), healthy()))).as("a duplicate").isFalse();
    }

    @Test
    void restartedPoller_sequenceFromOneIsNewer_andTheOldProcessesLateStatusIsDropped() {
        assertThat(view.update(poll(NODE_A, 900, T0, healthy()))).isTrue();
        assertThat(view.update(poll(NODE_A_RESTARTED, 1, T0.plusSeconds(20), DUP_KEY))).isTrue();
        assertThat(view.update(poll(NODE_A, 901, T0.plusSeconds(1), healthy()))).as("the old process, late").isFalse();
        assertThat(view.update(poll(NODE_A_RESTARTED, 2, T0.plusSeconds(21), DUP_KEY))).isTrue();
    }

    @Test
    void restartedPollerWhoseClockSteppedBack_isStillNewer() {
        assertThat(view.update(poll(NODE_A, 900, T0, healthy()))).isTrue();
        assertThat(view.update(poll(NODE_A_RESTARTED, 1, T0.minus(Duration.ofHours(1)), DUP_KEY))).isTrue();
    }

    @Test
    void pollerOfAnOlderGeneration_isOld() {
        PollerIdentity gen3 = new PollerIdentity("node-b", 3, "e");
        PollerIdentity gen2 = new PollerIdentity("node-a", 2, "e");
        assertThat(view.update(poll(gen3, 10, T0, healthy()))).isTrue();
        assertThat(view.update(poll(gen2, 11, T0.plusSeconds(1), DUP_KEY))).isFalse();
        assertThat(view.update(poll(new PollerIdentity("node-a", 4, "e"), 1, T0.plusSeconds(2), DUP_KEY))).isTrue();
    }

    /**
     * A shared fleet: node A acquired the cluster's partition under generation 5, node B took it
     * over under 7. A's statuses still in flight (its sequence runs on, its clock may be ahead) and
     * a poll A finished after its partition left (stamped generation 0) never replace B's.
     */
    @Test
    void lateStatusOfTheNodeThatLostTheCluster_isIgnored_whateverItsSequenceAndTime() {
        PollerIdentity ownerA = new PollerIdentity("node-a", 5, "a");
        PollerIdentity ownerB = new PollerIdentity("node-b", 7, "b");
        assertThat(evaluate(poll(ownerA, 100, T0, healthy()))).isEmpty();
        assertThat(evaluate(poll(ownerB, 1, T0.plusSeconds(1), healthy()))).isEmpty();
        assertThat(evaluate(poll(ownerA, 101, T0.plusSeconds(2), DUP_KEY))).as("A, late, under its old generation").isEmpty();
        assertThat(evaluate(poll(new PollerIdentity("node-a", 0, "a"), 102, T0.plusSeconds(3), DUP_KEY)))
                .as("A, finished after its partition left").isEmpty();
        assertThat(view.instance(R1).orElseThrow().poller()).isEqualTo(ownerB);
        assertThat(evaluate(poll(ownerB, 2, T0.plusSeconds(2), DUP_KEY))).as("the owner's own fault still fires")
                .singleElement().satisfies(a -> assertThat(a.status()).isEqualTo(Alert.FIRING));
    }

    @Test
    void statusesWithoutSequence_areOrderedByObservedAtAsBefore() {
        assertThat(view.update(replica(R1, T0, healthy()))).isTrue();
        assertThat(view.update(replica(R1, T0.minusSeconds(1), DUP_KEY))).isFalse();
        assertThat(view.update(replica(R1, T0.plusSeconds(1), DUP_KEY))).isTrue();
    }

    @Test
    void clockStepsBackAnHour_statusesKeepBeingEvaluated_aFaultFiresAndResolves() {
        long seq = 0;
        for (int s = 0; s < 5; s++) {
            assertThat(evaluate(poll(NODE_A, ++seq, T0.plusSeconds(s), healthy()))).isEmpty();
        }
        Instant back = T0.minus(Duration.ofHours(1));
        List<Alert> fired = evaluate(poll(NODE_A, ++seq, back, DUP_KEY));
        assertThat(fired).singleElement().satisfies(a -> {
            assertThat(a.status()).isEqualTo(Alert.FIRING);
            assertThat(a.labels()).containsEntry("alertname", DetectorCatalogue.REPLICATION_SQL_THREAD_STOPPED);
            assertThat(a.startsAt()).isEqualTo(back);
        });
        assertThat(view.time()).isEqualTo(back);
        for (int s = 1; s < 10; s++) {
            assertThat(evaluate(poll(NODE_A, ++seq, back.plusSeconds(s), healthy()))).as("held at +%ss", s).isEmpty();
        }
        assertThat(evaluate(poll(NODE_A, ++seq, back.plusSeconds(11), healthy())))
                .singleElement().satisfies(a -> {
                    assertThat(a.status()).isEqualTo(Alert.RESOLVED);
                    assertThat(a.endsAt()).isEqualTo(back.plusSeconds(1));
                });
    }

    @Test
    void clockStepsBackWhileAForIsPending_theForCountsAgainFromTheStepNotForTheWholeHour() {
        long seq = 0;
        for (int s = 0; s <= 20; s++) {
            assertThat(evaluate(poll(NODE_A, ++seq, T0.plusSeconds(s), CONNECTING))).as("pending at %ss", s).isEmpty();
        }
        Instant back = T0.minus(Duration.ofHours(1));
        for (int s = 0; s < 30; s++) {
            assertThat(evaluate(poll(NODE_A, ++seq, back.plusSeconds(s), CONNECTING))).as("pending again at +%ss", s).isEmpty();
        }
        assertThat(evaluate(poll(NODE_A, ++seq, back.plusSeconds(30), CONNECTING))).singleElement()
                .satisfies(a -> assertThat(a.labels()).containsEntry("alertname", DetectorCatalogue.REPLICATION_IO_THREAD_CONNECTING));
    }

    @Test
    void clockStepsBackWhileAFiringAlertIsClearing_keepFiringForCountsFromTheStep() {
        long seq = 0;
        assertThat(evaluate(poll(NODE_A, ++seq, T0, DUP_KEY))).hasSize(1);
        for (int s = 1; s <= 5; s++) {
            assertThat(evaluate(poll(NODE_A, ++seq, T0.plusSeconds(s), healthy()))).isEmpty();
        }
        Instant back = T0.minus(Duration.ofHours(1));
        for (int s = 0; s < 10; s++) {
            assertThat(evaluate(poll(NODE_A, ++seq, back.plusSeconds(s), healthy()))).as("clearing at +%ss", s).isEmpty();
        }
        assertThat(evaluate(poll(NODE_A, ++seq, back.plusSeconds(10), healthy()))).singleElement()
                .satisfies(a -> assertThat(a.status()).isEqualTo(Alert.RESOLVED));
    }

    @Test
    void clockStepsBack_theViewStaysWarmForMembershipQuestions() {
        long seq = 0;
        for (int s = 0; s <= 6; s++) {
            view.update(poll(NODE_A, ++seq, T0.plusSeconds(s), healthy()));
        }
        assertThat(view.warm()).isTrue();
        view.update(poll(NODE_A, ++seq, T0.minus(Duration.ofHours(1)), healthy()));
        assertThat(view.warm()).isTrue();
    }
}
