package io.replsentinel.rules;

import io.replsentinel.event.Alert;
import io.replsentinel.event.BinlogListenerState;
import io.replsentinel.event.ChannelStatus;
import io.replsentinel.event.DeniedCapability;
import io.replsentinel.event.PollError;
import io.replsentinel.event.ReplicationStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The engine runs, for each status, only the detectors the status can change ({@link ClusterFindings}).
 * These tests prove that skipping never changes what is found: beside every incremental evaluation
 * the whole catalogue runs over an identical view, and findings and alert changes must be equal on
 * every record; a cluster-wide condition that appears or clears with one changed fact fires or
 * resolves on that very record.
 */
class ClusterFindingsTest {

    private static final String SOURCE = "10.0.0.1:3306";
    private static final String R1 = "10.0.0.2:3306";
    private static final String R2 = "10.0.0.3:3306";
    private static final String A = "d8d77de1-e932-11f1-91ae-02fc00000001";
    private static final String B = "dbff9504-e932-11f1-8d3e-02fc00000001";
    private static final Instant T0 = Instant.parse("2026-12-01T00:00:00Z");

    /** An incremental evaluation and, beside it, every detector of a catalogue of its own over the same statuses. */
    private static final class Side {
        final ClusterView incrementalView = new ClusterView(Statuses.CLUSTER);
        final ClusterView fullView = new ClusterView(Statuses.CLUSTER);
        final List<Detector> incrementalDetectors = DetectorCatalogue.all();
        final List<Detector> fullDetectors = DetectorCatalogue.all();
        final ClusterFindings findings = new ClusterFindings(incrementalDetectors);
        final AlertTracker incrementalTracker = tracker();
        final AlertTracker fullTracker = tracker();
        Instant now = T0;

        /** Folds a status into both and asserts they find the same; returns the alert changes. */
        List<Alert> status(ReplicationStatus s) {
            now = s.observedAt().isAfter(now) ? s.observedAt() : now;
            ReplicationStatus previous = incrementalView.latest(s.instance());
            boolean taken = incrementalView.update(s);
            assertEquals(taken, fullView.update(s));
            if (!taken) {
                return List.of();
            }
            List<Finding> incremental = findings.evaluate(incrementalView, previous, s);
            List<Finding> full = new ArrayList<>();
            for (Detector d : fullDetectors) {
                full.addAll(d.detect(fullView));
            }
            assertEquals(full, incremental, () -> "findings after " + s);
            List<Alert> changes = incrementalTracker.evaluate(incrementalView, incremental, now);
            assertEquals(fullTracker.evaluate(fullView, full, now), changes, () -> "alert changes after " + s);
            return changes;
        }

        /** A binlog listener's state, folded outside any status: the next status must see it. */
        void listener(BinlogListenerState state) {
            incrementalView.stream().update(state);
            fullView.stream().update(state);
        }

        private static AlertTracker tracker() {
            return new AlertTracker(new AlertTracker.Settings(alertname -> Duration.ZERO, Duration.ZERO,
                    "https://example.test/runbooks.md", "http://sentinel:8480"));
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void randomChangesOfEveryFact_findExactlyWhatTheWholeCatalogueFinds(long seed) {
        Random random = new Random(seed);
        Side side = new Side();
        Map<String, ReplicationStatus> last = new HashMap<>();
        last.put(SOURCE, source().build());
        last.put(R1, replica(R1, 2).build());
        last.put(R2, replica(R2, 3).build());
        List<String> instances = List.of(SOURCE, R1, R2);
        Instant at = T0;
        int fired = 0;
        for (int step = 0; step < 2000; step++) {
            at = at.plusMillis(50 + random.nextInt(400));
            String instance = instances.get(random.nextInt(instances.size()));
            ReplicationStatus next = mutate(random, last.get(instance), at);
            last.put(instance, next);
            if (random.nextInt(200) == 0) {
                side.listener(new BinlogListenerState(BinlogListenerState.SCHEMA_VERSION, Statuses.CLUSTER, instance,
                        random.nextBoolean() ? BinlogListenerState.DOWN : BinlogListenerState.RUNNING, "connection",
                        "gone", 7L, at, at, null, step, step));
            }
            fired += (int) side.status(next).stream().filter(a -> Alert.FIRING.equals(a.status())).count();
        }
        assertTrue(fired > 50, "the walk should raise alerts of many kinds, raised " + fired);
    }

    @Test
    void serverIdCollisionAppearingInAStatusOtherwiseEqual_firesOnThatRecordAndResolvesOnTheOneThatEndsIt() {
        Side side = new Side();
        Instant at = steady(side);
        List<Alert> collision = side.status(replica(R1, 1).at(at.plusMillis(100)).build());
        assertEquals(Set.of(SOURCE, R1), instances(collision, DetectorCatalogue.SERVER_ID_COLLISION, Alert.FIRING));
        side.status(source().at(at.plusMillis(200)).build()); // the source again, its facts unchanged
        List<Alert> ended = side.status(replica(R1, 2).at(at.plusMillis(300)).build());
        assertEquals(Set.of(SOURCE, R1), instances(ended, DetectorCatalogue.SERVER_ID_COLLISION, Alert.RESOLVED));
    }

    @Test
    void secondWritableInstance_firesOnItsRecordAndResolvesWhenReadOnlyAgain() {
        Side side = new Side();
        Instant at = steady(side);
        List<Alert> writable = side.status(replica(R2, 3).readOnly(false).at(at.plusMillis(100)).build());
        assertEquals(Set.of(SOURCE, R2), instances(writable, DetectorCatalogue.MULTIPLE_WRITABLE_PRIMARIES, Alert.FIRING));
        List<Alert> readOnly = side.status(replica(R2, 3).at(at.plusMillis(200)).build());
        assertEquals(Set.of(SOURCE, R2), instances(readOnly, DetectorCatalogue.MULTIPLE_WRITABLE_PRIMARIES, Alert.RESOLVED));
    }

    @Test
    void errantCheckWaitingForTheSourcesNextPoll_firesOnThatPollThoughNoFactOfItChanged() {
        Side side = new Side();
        Instant at = steady(side);
        // the replica's errant write shows first; the source's last poll is older, so nothing can be said yet
        List<Alert> early = side.status(replica(R1, 2).gtidExecuted(A + ":1-10," + B + ":1").at(at.plusMillis(100)).build());
        assertEquals(Set.of(), instances(early, DetectorCatalogue.ERRANT_TRANSACTIONS, Alert.FIRING));
        List<Alert> settled = side.status(source().at(at.plusMillis(300)).build());
        assertEquals(Set.of(R1), instances(settled, DetectorCatalogue.ERRANT_TRANSACTIONS, Alert.FIRING));
    }

    @Test
    void versionSkewAndConfigDrift_appearAndClearWithTheFactThatChanged() {
        Side side = new Side();
        Instant at = steady(side);
        List<Alert> older = side.status(replica(R2, 3).version("8.0.36").at(at.plusMillis(100)).build());
        assertEquals(Set.of(R2), instances(older, DetectorCatalogue.REPLICATION_VERSION_SKEW, Alert.FIRING));
        List<Alert> drift = side.status(replica(R1, 2).binlogRowImage("MINIMAL").at(at.plusMillis(200)).build());
        assertEquals(Set.of(R1), instances(drift, DetectorCatalogue.REPLICATION_CONFIG_DRIFT, Alert.FIRING));
        List<Alert> upgraded = side.status(replica(R2, 3).at(at.plusMillis(300)).build());
        assertEquals(Set.of(R2), instances(upgraded, DetectorCatalogue.REPLICATION_VERSION_SKEW, Alert.RESOLVED));
        List<Alert> aligned = side.status(replica(R1, 2).at(at.plusMillis(400)).build());
        assertEquals(Set.of(R1), instances(aligned, DetectorCatalogue.REPLICATION_CONFIG_DRIFT, Alert.RESOLVED));
    }

    @Test
    void sourceGoingUnreachable_reEvaluatesTheReplicasThatReadIt() {
        Side side = new Side();
        Instant at = steady(side);
        // R1's receiver keeps failing on a password: hopeless only while its source answers
        ChannelStatus denied = new ChannelStatus("", "10.0.0.1", 3306, null, null, ChannelStatus.CONNECTING,
                ChannelStatus.RUNNING, 1045, "Access denied for user 'repl'", null, 0, null, null, null, null, "", "",
                true, 0L, List.of("10.0.0.1"), true);
        List<Alert> hopeless = side.status(replica(R1, 2).at(at.plusMillis(100)).build().toBuilder()
                .channels(List.of(denied)).build());
        assertEquals(Set.of(R1), instances(hopeless, DetectorCatalogue.REPLICATION_IO_THREAD_STOPPED, Alert.FIRING));
        List<Alert> sourceDown = side.status(ReplicationStatus.builder(Statuses.CLUSTER, SOURCE)
                .observedAt(at.plusMillis(200)).pollMillis(800).reachable(false)
                .error(new PollError("timeout", null, "timed out")).flavor("mysql").version("9.7.4").build());
        assertEquals(Set.of(R1), instances(sourceDown, DetectorCatalogue.REPLICATION_IO_THREAD_STOPPED, Alert.RESOLVED));
        assertEquals(Set.of(R1), instances(sourceDown, DetectorCatalogue.REPLICATION_IO_THREAD_CONNECTING, Alert.FIRING));
    }

    /** Ten rounds of a healthy cluster, past the view's warm-up; returns the time of the last poll. */
    private static Instant steady(Side side) {
        Instant at = T0;
        for (int round = 0; round < 10; round++) {
            at = at.plusSeconds(1);
            assertEquals(List.of(), side.status(source().at(at).build()));
            assertEquals(List.of(), side.status(replica(R1, 2).at(at.plusMillis(10)).build()));
            assertEquals(List.of(), side.status(replica(R2, 3).at(at.plusMillis(20)).build()));
        }
        return at.plusMillis(20);
    }

    private static Set<String> instances(List<Alert> changes, String alertname, String status) {
        Set<String> result = new java.util.TreeSet<>();
        for (Alert a : changes) {
            if (a.labels().get("alertname").equals(alertname) && a.status().equals(status)) {
                result.add(a.labels().get("instance"));
            }
        }
        return result;
    }

    private static StatusBuilder source() {
        return StatusBuilder.instance(SOURCE).serverId(1).serverUuid(A).expectedRole("primary").gtidExecuted(A + ":1-10");
    }

    private static StatusBuilder replica(String id, long serverId) {
        return StatusBuilder.instance(id).serverId(serverId).expectedRole("replica").replicating(SOURCE, 0L)
                .gtidExecuted(A + ":1-10");
    }

    /** The instance's next poll: a later time, and now and then one fact or figure changed. */
    private static ReplicationStatus mutate(Random random, ReplicationStatus s, Instant at) {
        ReplicationStatus.Builder b = s.toBuilder().observedAt(at).pollMillis(1 + random.nextInt(300));
        if (random.nextInt(8) != 0) {
            return b.build(); // most polls repeat the last
        }
        List<UnaryOperator<ReplicationStatus.Builder>> changes = List.of(
                x -> x.serverId(1L + random.nextInt(3)),
                x -> x.serverUuid(random.nextBoolean() ? A : "uuid-" + s.instance()),
                x -> x.readOnly(random.nextBoolean()),
                x -> x.gtidExecuted(pick(random, A + ":1-10", A + ":1-11", A + ":1-10," + B + ":1-2", "not a gtid set")),
                x -> x.version(pick(random, "9.7.4", "8.0.36", "5.7.44")),
                x -> x.binlogFormat(pick(random, "ROW", "MIXED")),
                x -> x.reachable(random.nextInt(3) != 0).error(new PollError("timeout", null, "timed out")),
                x -> x.expectedRole(pick(random, "primary", "replica")),
                x -> x.heartbeatLagMillis(random.nextBoolean() ? null : (long) random.nextInt(400_000)),
                x -> x.deniedCapabilities(random.nextBoolean() ? List.of() : List.of(new DeniedCapability(
                        "replica_hosts", "REPLICATION SLAVE", "SHOW REPLICAS", 1227, "denied", "replica list",
                        "GRANT REPLICATION SLAVE ON *.* TO monitor"))),
                x -> x.channels(random.nextInt(4) == 0 ? List.of() : List.of(channel(random))));
        UnaryOperator<ReplicationStatus.Builder> change = changes.get(random.nextInt(changes.size()));
        return change.apply(b).build();
    }

    private static ChannelStatus channel(Random random) {
        String source = pick(random, SOURCE, SOURCE, R1, "10.9.9.9:3306");
        String host = source.substring(0, source.indexOf(':'));
        String io = pick(random, ChannelStatus.RUNNING, ChannelStatus.RUNNING, ChannelStatus.CONNECTING, ChannelStatus.STOPPED);
        String sql = pick(random, ChannelStatus.RUNNING, ChannelStatus.RUNNING, ChannelStatus.STOPPED);
        int ioErrno = io.equals(ChannelStatus.RUNNING) ? 0 : random.nextBoolean() ? 1045 : 2003;
        boolean resolvable = random.nextInt(10) != 0;
        return new ChannelStatus("", host, 3306, null, random.nextBoolean() ? null : A, io, sql, ioErrno,
                ioErrno == 0 ? null : "error " + ioErrno, null, sql.equals(ChannelStatus.STOPPED) ? 1062 : 0,
                sql.equals(ChannelStatus.STOPPED) ? "Duplicate entry" : null, null, null,
                random.nextBoolean() ? null : (long) random.nextInt(500), "", "", true, 0L,
                resolvable ? List.of(host) : List.of(), resolvable);
    }

    @SafeVarargs
    private static <T> T pick(Random random, T... choices) {
        return choices[random.nextInt(choices.length)];
    }
}
