package io.replsentinel.rules;

import io.replsentinel.alerting.AlertDispatcher;
import io.replsentinel.event.Alert;
import io.replsentinel.event.ReplicationStatus;
import io.replsentinel.state.AlertState;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What the rules engine knows of one cluster: the latest status of each instance, the alert
 * lifecycle, and the state changes some sink has not taken yet. Guarded by its own monitor.
 */
final class ClusterState {

    /** A change and the sinks still to take it. */
    static final class Pending {
        final Alert change;
        final Set<String> sinks;

        Pending(Alert change, Collection<String> sinks) {
            this.change = change;
            this.sinks = new LinkedHashSet<>(sinks);
        }
    }

    final String cluster;
    final ClusterView view;
    final AlertTracker tracker;
    final List<Pending> undelivered = new ArrayList<>();
    /** The newest poll time seen in this cluster: the clock its alert lifecycle runs on. */
    Instant time;
    /** The status partition the cluster's records are on; -1 until one is seen. */
    int partition = -1;
    /**
     * The offset on {@link #partition} of the latest status record evaluated into this state, here
     * or by the node that wrote the state restored; -1 when not known.
     */
    long statusOffset = -1;
    /** Set when restored and not evaluated since: the poll time before the outage. */
    Instant restoredAt;
    /** The detectors' findings as of the last evaluation; made by the engine on the first. */
    ClusterFindings findings;
    /** When binlog-stream records last made the cluster be evaluated ({@link System#nanoTime()}). */
    long lastStreamEvaluation;
    /** When the state was last written to the alert-state topic ({@link System#nanoTime()}). */
    long writtenAt;
    /** Fingerprint to evidence of the firing alerts as last written: empty while none fires. */
    Map<String, Map<String, Object>> writtenEvidence = Map.of();
    /** Set once the cluster left the inventory: it is forgotten when no change of it waits for a sink. */
    boolean retired;
    /** The errant-transaction count last set in the metrics, per reachable instance. */
    final Map<String, Long> errantSet = new HashMap<>();
    /** Instances the cluster was defined with and no longer is: a status of theirs still in flight is ignored. */
    Set<String> retiredInstances = Set.of();
    /**
     * Completes when the changes of the latest status that had any are with the sinks: the next
     * status's changes wait for it, so a cluster's changes reach the sinks in order though its
     * statuses' acks do not wait for one another. Never completes exceptionally.
     */
    java.util.concurrent.CompletableFuture<Void> handedOver = java.util.concurrent.CompletableFuture.completedFuture(null);

    ClusterState(String cluster, AlertTracker tracker) {
        this.cluster = cluster;
        this.view = new ClusterView(cluster);
        this.tracker = tracker;
    }

    /** The cluster as the alert-state topic kept it. */
    static ClusterState restore(AlertState state, int partition, AlertTracker.Settings settings) {
        ClusterState cs = new ClusterState(state.cluster(), AlertTracker.restore(settings, state.alerts()));
        cs.time = state.time();
        cs.restoredAt = state.time();
        cs.partition = partition;
        cs.statusOffset = state.statusOffset() == null ? -1 : state.statusOffset();
        cs.wrote(state, System.nanoTime());
        for (AlertState.Undelivered u : state.undelivered()) {
            cs.undelivered.add(new Pending(u.change(), u.sinks()));
        }
        return cs;
    }

    /**
     * Whether the status record at {@code offset} of status partition {@code partition} is already
     * evaluated into this state: a record read again after the partition moved, from an offset the
     * previous owner had committed before it wrote the state.
     */
    boolean includes(int partition, long offset) {
        return offset >= 0 && partition == this.partition && offset <= statusOffset;
    }

    /**
     * Folds in a status this state already includes ({@link #includes}): the view fills with it, the
     * lifecycle stays as the state has it. The kept findings are dropped, so the next evaluation runs
     * every detector over the view as it is then.
     */
    void refill(ReplicationStatus status) {
        if (!retiredInstances.contains(status.instance()) && view.update(status)) {
            findings = null;
        }
    }

    /**
     * Records a change as undelivered to {@code sinks}. Alertmanager keeps only an alert's latest
     * state, so a newer change of the same alert makes its older ones moot there.
     */
    void awaitDelivery(Alert change, Collection<String> sinks) {
        if (sinks.contains(AlertDispatcher.ALERTMANAGER)) {
            for (Iterator<Pending> it = undelivered.iterator(); it.hasNext(); ) {
                Pending p = it.next();
                if (p.change.fingerprint().equals(change.fingerprint()) && p.sinks.remove(AlertDispatcher.ALERTMANAGER)
                        && p.sinks.isEmpty()) {
                    it.remove();
                }
            }
        }
        if (!sinks.isEmpty()) {
            undelivered.add(new Pending(change, sinks));
        }
    }

    /** A sink took a change (or gave up on it); true when that changed what waits. */
    boolean delivered(String sink, Alert change) {
        for (Iterator<Pending> it = undelivered.iterator(); it.hasNext(); ) {
            Pending p = it.next();
            if (sameChange(p.change, change) && p.sinks.remove(sink)) {
                if (p.sinks.isEmpty()) {
                    it.remove();
                }
                return true;
            }
        }
        return false;
    }

    /** Alertmanager is re-sent firing alerts with fresher evidence: the same change is the same alert, status and start. */
    private static boolean sameChange(Alert a, Alert b) {
        return a.fingerprint().equals(b.fingerprint()) && a.status().equals(b.status())
                && Objects.equals(a.startsAt(), b.startsAt()) && Objects.equals(a.endsAt(), b.endsAt());
    }

    /** The state to write now, remembered as written: its firing alerts' evidence is what other nodes show. */
    AlertState toWrite(long now) {
        AlertState s = snapshot();
        wrote(s, now);
        return s;
    }

    private void wrote(AlertState s, long now) {
        writtenAt = now;
        Map<String, Map<String, Object>> evidence = new HashMap<>();
        s.alerts().stream().filter(AlertState.Tracked::firing).forEach(t -> evidence.put(t.fingerprint(), t.alert().evidence()));
        writtenEvidence = evidence.isEmpty() ? Map.of() : evidence;
    }

    /** Whether a firing alert's evidence differs from what was last written. */
    boolean evidenceChanged() {
        for (Alert a : tracker.firing()) {
            if (!Objects.equals(writtenEvidence.get(a.fingerprint()), a.evidence())) {
                return true;
            }
        }
        return false;
    }

    AlertState snapshot() {
        List<AlertState.Undelivered> waiting = undelivered.stream()
                .map(p -> new AlertState.Undelivered(p.change, List.copyOf(p.sinks))).toList();
        return new AlertState(AlertState.SCHEMA_VERSION, cluster, time, tracker.snapshot(), waiting,
                statusOffset < 0 ? null : statusOffset);
    }
}
