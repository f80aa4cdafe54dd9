package io.replsentinel.rules;

import io.replsentinel.event.Alert;
import io.replsentinel.event.ChannelStatus;
import io.replsentinel.event.ReplicationStatus;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static io.replsentinel.rules.Statuses.channel;
import static io.replsentinel.rules.Statuses.healthy;
import static io.replsentinel.rules.Statuses.replica;
import static io.replsentinel.rules.Statuses.unreachable;
import static org.assertj.core.api.Assertions.assertThat;

/** The firing / resolved lifecycle over real detector output, driven by a fake clock. */
class AlertLifecycleTest {

    private static final Instant T0 = Instant.parse("2026-11-26T00:00:00Z");
    private static final ChannelStatus DUP_KEY = channel(ChannelStatus.RUNNING, ChannelStatus.STOPPED, 0, null, 1062,
            "Could not execute Write_rows event on table lab.t; Duplicate entry '100' for key 't.PRIMARY'");
    private static final ChannelStatus CONNECTING = channel(ChannelStatus.CONNECTING, ChannelStatus.RUNNING, 2003,
            "Can't connect to MySQL server on '10.0.0.11:3306' (111)", 0, null);

    /** The lifecycle is shown on the thread alerts; the view holds a lone replica, as the others don't matter here. */
    private static final java.util.Set<String> THREAD_ALERTS = java.util.Set.of(DetectorCatalogue.INSTANCE_UNREACHABLE,
            DetectorCatalogue.REPLICATION_IO_THREAD_STOPPED, DetectorCatalogue.REPLICATION_IO_THREAD_CONNECTING,
            DetectorCatalogue.REPLICATION_SQL_THREAD_STOPPED);

    private final ClusterView view = new ClusterView(Statuses.CLUSTER);
    private final AlertTracker tracker = new AlertTracker(new AlertTracker.Settings(
            alertname -> alertname.equals(DetectorCatalogue.REPLICATION_IO_THREAD_CONNECTING) ? Duration.ofSeconds(30) : Duration.ZERO,
            Duration.ofSeconds(10), "https://example.test/runbooks.md", "http://sentinel:8480"));

    private List<Alert> at(int second, ReplicationStatus status) {
        view.update(status);
        List<Finding> findings = new ArrayList<>();
        DetectorCatalogue.all().stream().filter(d -> THREAD_ALERTS.contains(d.alertname()))
                .forEach(d -> findings.addAll(d.detect(view)));
        return tracker.evaluate(view, findings, T0.plusSeconds(second));
    }

    @Test
    void sqlThreadStopsOnDuplicateKey_firesOnceWithCauseAndEvidence() {
        assertThat(at(0, replica("r1:3306", T0, healthy()))).isEmpty();
        List<Alert> fired = at(1, replica("r1:3306", T0.plusSeconds(1), DUP_KEY));
        assertThat(fired).hasSize(1);
        Alert a = fired.get(0);
        assertThat(a.status()).isEqualTo(Alert.FIRING);
        assertThat(a.labels()).containsEntry("alertname", "ReplicationSqlThreadStopped")
                .containsEntry("cluster", "orders").containsEntry("instance", "r1:3306")
                .containsEntry("severity", "critical").containsEntry("cause", "duplicate_key")
                .containsEntry("channel", "").containsEntry("zone", "b");
        assertThat(a.evidence()).containsEntry("lastSqlErrno", 1062).containsEntry("impliesDivergence", true);
        assertThat(a.annotations().get("runbook_url")).endsWith("#replicationsqlthreadstopped");
        assertThat(a.generatorURL()).isEqualTo("http://sentinel:8480/api/clusters/orders");
        for (int s = 2; s < 20; s++) {
            assertThat(at(s, replica("r1:3306", T0.plusSeconds(s), DUP_KEY))).as("no re-announce at %ss", s).isEmpty();
        }
    }

    @Test
    void fingerprint_isStableAcrossFiringAndResolution() {
        at(0, replica("r1:3306", T0, DUP_KEY));
        String fp = tracker.firing().get(0).fingerprint();
        at(1, replica("r1:3306", T0.plusSeconds(1), healthy()));
        List<Alert> resolved = at(11, replica("r1:3306", T0.plusSeconds(11), healthy()));
        assertThat(resolved).singleElement().satisfies(r -> {
            assertThat(r.status()).isEqualTo(Alert.RESOLVED);
            assertThat(r.fingerprint()).isEqualTo(fp);
            assertThat(r.endsAt()).isEqualTo(T0.plusSeconds(1));
        });
    }

    @Test
    void resolveAfterThePollClockSteppedBackPastTheStart_neverEndsBeforeItStarts() {
        at(100, replica("r1:3306", T0.plusSeconds(100), DUP_KEY));
        // the clock went back 60 s: the condition clears, and keep-firing-for counts from there
        assertThat(at(40, replica("r1:3306", T0.plusSeconds(101), healthy()))).isEmpty();
        List<Alert> resolved = at(50, replica("r1:3306", T0.plusSeconds(102), healthy()));
        assertThat(resolved).singleElement().satisfies(r -> {
            assertThat(r.status()).isEqualTo(Alert.RESOLVED);
            assertThat(r.startsAt()).isEqualTo(T0.plusSeconds(100));
            // Alertmanager refuses an alert whose end is before its start
            assertThat(r.endsAt()).isEqualTo(r.startsAt());
        });
    }

    @Test
    void flappingCondition_holdsOneAlertUntilClearForKeepFiringFor() {
        List<Alert> changes = new ArrayList<>();
        for (int s = 0; s < 30; s++) {
            ChannelStatus ch = s % 2 == 0 ? DUP_KEY : healthy();
            changes.addAll(at(s, replica("r1:3306", T0.plusSeconds(s), ch)));
        }
        assertThat(changes).extracting(Alert::status).containsExactly(Alert.FIRING);
        for (int s = 30; s < 42; s++) {
            changes.addAll(at(s, replica("r1:3306", T0.plusSeconds(s), healthy())));
        }
        assertThat(changes).extracting(Alert::status).containsExactly(Alert.FIRING, Alert.RESOLVED);
    }

    @Test
    void ioThreadConnecting_firesOnlyAfterItsForDuration() {
        for (int s = 0; s < 30; s++) {
            assertThat(at(s, replica("r1:3306", T0.plusSeconds(s), CONNECTING))).isEmpty();
        }
        assertThat(at(30, replica("r1:3306", T0.plusSeconds(30), CONNECTING)))
                .singleElement().satisfies(a -> {
                    assertThat(a.alertname()).isEqualTo("ReplicationIoThreadConnecting");
                    assertThat(a.labels()).containsEntry("severity", "warning");
                    assertThat(a.startsAt()).isEqualTo(T0);
                });
    }

    @Test
    void pendingCondition_thatClearsBeforeItsFor_neverFires() {
        at(0, replica("r1:3306", T0, CONNECTING));
        at(10, replica("r1:3306", T0.plusSeconds(10), healthy()));
        for (int s = 11; s < 45; s++) {
            assertThat(at(s, replica("r1:3306", T0.plusSeconds(s), s < 20 ? CONNECTING : healthy()))).isEmpty();
        }
    }

    @Test
    void replicaGoingUnreachable_neitherResolvesNorRefiresItsThreadAlerts() {
        at(0, replica("r1:3306", T0, DUP_KEY));
        List<Alert> changes = new ArrayList<>();
        for (int s = 1; s < 30; s++) {
            changes.addAll(at(s, unreachable("r1:3306", T0.plusSeconds(s), "refused")));
        }
        assertThat(changes).singleElement().satisfies(a -> {
            assertThat(a.alertname()).isEqualTo("InstanceUnreachable");
            assertThat(a.labels()).containsEntry("cause", "refused");
        });
        assertThat(tracker.firing()).extracting(Alert::alertname)
                .containsExactlyInAnyOrder("ReplicationSqlThreadStopped", "InstanceUnreachable");
    }

    @Test
    void authErrorWhileConnecting_isIoThreadStoppedNotConnecting() {
        ChannelStatus badPassword = channel(ChannelStatus.CONNECTING, ChannelStatus.RUNNING, 1045,
                "error connecting to master 'repl@127.0.0.1:3306' - Access denied for user 'repl'", 0, null);
        assertThat(at(0, replica("r1:3306", T0, badPassword))).singleElement().satisfies(a -> {
            assertThat(a.alertname()).isEqualTo("ReplicationIoThreadStopped");
            assertThat(a.labels()).containsEntry("cause", "auth");
        });
        for (int s = 1; s < 40; s++) {
            assertThat(at(s, replica("r1:3306", T0.plusSeconds(s), badPassword))).isEmpty();
        }
    }

    @Test
    void olderStatusArrivingLate_isIgnored() {
        at(5, replica("r1:3306", T0.plusSeconds(5), DUP_KEY));
        assertThat(view.update(replica("r1:3306", T0, healthy()))).isFalse();
        assertThat(view.instance("r1:3306").orElseThrow().channels().get(0).lastSqlErrno()).isEqualTo(1062);
    }
}
