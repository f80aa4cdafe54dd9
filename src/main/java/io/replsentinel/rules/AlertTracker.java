package io.replsentinel.rules;

import io.replsentinel.event.Alert;
import io.replsentinel.state.AlertState;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The alert lifecycle of one cluster: a finding is pending until it has held for its
 * {@code for:} duration, then firing; a firing alert resolves only once its condition has stayed
 * clear for {@code keepFiringFor}, so a flapping thread holds one alert instead of a storm. Only
 * state changes are returned. Its whole state can be taken as a {@link #snapshot()} and a tracker
 * rebuilt from one ({@link #restore}), so a restart or a partition move keeps every alert's
 * {@code startsAt}, fingerprint and timers. Not thread-safe: the rules engine serialises calls per
 * cluster.
 */
public final class AlertTracker {

    /** Settings the lifecycle needs; built from {@code sentinel.rules}. */
    public record Settings(Function<String, Duration> forDuration, Duration keepFiringFor,
                           String runbookBaseUrl, String externalUrl) {
    }

    /** The annotation a resolve carries when its instance left the inventory rather than its condition clearing. */
    public static final String RETIRED = "resolved_because";

    private final Settings settings;
    private final Map<String, Active> active = new LinkedHashMap<>();
    /**
     * The fingerprint of each finding identity seen lately: a condition that holds is found again on
     * every status, and hashing its labels each time would cost more than the rest of its evaluation.
     */
    private final Map<Identity, String> fingerprints = new HashMap<>();
    /** Whether something a snapshot holds changed since {@link #takeChanged()} last said. */
    private boolean changed;

    public AlertTracker(Settings settings) {
        this.settings = settings;
    }

    /** A tracker in the state a {@link #snapshot()} recorded. */
    public static AlertTracker restore(Settings settings, List<AlertState.Tracked> tracked) {
        AlertTracker tracker = new AlertTracker(settings);
        for (AlertState.Tracked t : tracked) {
            Active a = tracker.new Active(t.fingerprint(), finding(t.alert(), t.since()), t.since());
            a.since = t.since();
            a.firing = t.firing();
            a.clearSince = t.clearSince();
            a.alert = t.firing() ? t.alert() : null; // kept as the topic holds it until a finding replaces it
            tracker.active.put(t.fingerprint(), a);
        }
        return tracker;
    }

    /** Every pending and firing alert with its timers, as the alert-state topic keeps them. */
    public List<AlertState.Tracked> snapshot() {
        List<AlertState.Tracked> tracked = new ArrayList<>();
        for (Active a : active.values()) {
            tracked.add(new AlertState.Tracked(a.fingerprint, a.since, a.firing, a.clearSince,
                    a.firing ? a.firingAlert() : alert(a, AlertState.PENDING, null)));
        }
        return tracked;
    }

    /** Whether the snapshot changed since the last call: an alert became pending, fired, started or stopped clearing, or went. */
    public boolean takeChanged() {
        boolean c = changed;
        changed = false;
        return c;
    }

    /**
     * After an outage nothing watched: pending alerts start their {@code for:} again at {@code now}
     * and clearing ones their {@code keep-firing-for}; firing alerts keep their {@code startsAt}.
     */
    public void restartTimers(Instant now) {
        for (Active a : active.values()) {
            if (!a.firing) {
                a.since = now;
            } else if (a.clearSince != null) {
                a.clearSince = now;
            }
            changed = true;
        }
    }

    /** The finding an alert was made from: the same labels, so the same fingerprint. */
    static Finding finding(Alert alert, Instant observedAt) {
        Map<String, String> labels = new TreeMap<>(alert.labels());
        String alertname = labels.remove("alertname");
        String cluster = labels.remove("cluster");
        String instance = labels.remove("instance");
        String severity = labels.remove("severity");
        return new Finding(alertname, severity, cluster, instance, labels, Map.of(),
                alert.annotations().getOrDefault("summary", ""), alert.annotations().getOrDefault("description", ""),
                alert.evidence() == null ? Map.of() : alert.evidence(), observedAt);
    }

    /** What a finding's fingerprint is made of ({@link #labels}): equal identities have equal fingerprints. */
    private record Identity(String alertname, String severity, String cluster, String instance,
                            Map<String, String> labels, Map<String, String> instanceLabels) {

        static Identity of(Finding f) {
            return new Identity(f.alertname(), f.severity(), f.cluster(), f.instance(), f.labels(), f.instanceLabels());
        }
    }

    private final class Active {
        final String fingerprint;
        Instant since;
        Finding finding;
        boolean firing;
        Instant clearSince;
        /**
         * The firing alert made from {@link #finding}, once asked for: built only when it is announced,
         * read or snapshotted, not on every status. Null while not built since the finding last changed.
         */
        Alert alert;

        Active(String fingerprint, Finding finding, Instant now) {
            this.fingerprint = fingerprint;
            // a finding from a status polled before a clock step may carry a later time than now
            this.since = now == null || finding.observedAt().isBefore(now) ? finding.observedAt() : now;
            this.finding = finding;
        }

        /** The firing alert with the latest finding's evidence. */
        Alert firingAlert() {
            if (alert == null) {
                alert = alert(this, Alert.FIRING, null);
            }
            return alert;
        }
    }

    /**
     * Applies one evaluation of the whole cluster at time {@code now} and returns the alerts that
     * changed state (fired or resolved).
     */
    public List<Alert> evaluate(ClusterView view, List<Finding> findings, Instant now) {
        if (findings.isEmpty() && active.isEmpty()) {
            return List.of(); // nothing found, nothing pending or firing: most clusters on most statuses
        }
        List<Alert> changes = new ArrayList<>();
        Map<String, Finding> current = new HashMap<>();
        if (fingerprints.size() > 4 * active.size() + 64) {
            fingerprints.clear(); // identities of conditions long gone
        }
        for (Finding f : findings) {
            current.put(fingerprints.computeIfAbsent(Identity.of(f), id -> Fingerprint.of(labels(f))), f);
        }
        for (Map.Entry<String, Finding> e : current.entrySet()) {
            Active a = active.computeIfAbsent(e.getKey(), fp -> {
                changed = true;
                return new Active(fp, e.getValue(), now);
            });
            if (a.finding != e.getValue()) {
                a.finding = e.getValue();
                a.alert = null;
            }
            if (a.clearSince != null) {
                a.clearSince = null;
                changed = true;
            }
            if (!a.firing && a.since.isAfter(now)) {
                a.since = now; // poll time stepped back: the for: counts again from here, not for the whole step
                changed = true;
            }
            if (!a.firing && !Duration.between(a.since, now).minus(forDuration(a.finding)).isNegative()) {
                a.firing = true;
                a.alert = null;
                changes.add(a.firingAlert());
                changed = true;
            }
        }
        Iterator<Active> it = active.values().iterator();
        while (it.hasNext()) {
            Active a = it.next();
            if (current.containsKey(a.fingerprint)) {
                continue;
            }
            if (!a.firing) {
                it.remove();
                changed = true;
                continue;
            }
            if (unobservable(view, a)) {
                continue;
            }
            if (a.clearSince == null || a.clearSince.isAfter(now)) {
                a.clearSince = now; // also when poll time stepped back: keep-firing-for counts again from here
                changed = true;
            }
            if (!Duration.between(a.clearSince, now).minus(settings.keepFiringFor()).isNegative()) {
                it.remove();
                changed = true;
                // never before it started (a clock stepped back past it): Alertmanager refuses an alert that ends before it starts
                changes.add(alert(a, Alert.RESOLVED, a.clearSince.isBefore(a.since) ? a.since : a.clearSince));
            }
        }
        return changes;
    }

    /**
     * Ends the alerts about instances that are no longer watched (removed from the inventory, or the
     * whole cluster removed): nothing could clear them any more, so a firing one resolves at
     * {@code now}, saying why, and a pending one is dropped.
     *
     * @return the resolved changes, to announce as any other
     */
    public List<Alert> retire(java.util.function.Predicate<String> gone, Instant now) {
        List<Alert> changes = new ArrayList<>();
        Iterator<Active> it = active.values().iterator();
        while (it.hasNext()) {
            Active a = it.next();
            if (!gone.test(a.finding.instance())) {
                continue;
            }
            it.remove();
            changed = true;
            if (a.firing) {
                Alert resolved = alert(a, Alert.RESOLVED, now);
                Map<String, String> annotations = new LinkedHashMap<>(resolved.annotations());
                annotations.put(RETIRED, "the instance is no longer in the inventory: repl-sentinel stopped watching it");
                changes.add(new Alert(resolved.schemaVersion(), resolved.status(), resolved.labels(), annotations,
                        resolved.startsAt(), resolved.endsAt(), resolved.fingerprint(), resolved.generatorURL(),
                        resolved.evidence()));
            }
        }
        return changes;
    }

    /** Firing alerts of this cluster, newest evidence. */
    public List<Alert> firing() {
        return active.values().stream().filter(a -> a.firing).map(Active::firingAlert).toList();
    }

    /**
     * While an instance cannot be polled, nothing can be said about its threads: its other alerts
     * neither fire nor resolve until it answers again.
     */
    private static boolean unobservable(ClusterView view, Active a) {
        if (DetectorCatalogue.INSTANCE_UNREACHABLE.equals(a.finding.alertname())) {
            return false;
        }
        return view.instance(a.finding.instance()).map(s -> !s.reachable()).orElse(true);
    }

    private Duration forDuration(Finding f) {
        return settings.forDuration().apply(f.alertname());
    }

    static Map<String, String> labels(Finding f) {
        Map<String, String> labels = new TreeMap<>(f.instanceLabels());
        labels.putAll(f.labels());
        labels.put("alertname", f.alertname());
        labels.put("cluster", f.cluster());
        labels.put("instance", f.instance());
        labels.put("severity", f.severity());
        return labels;
    }

    private Alert alert(Active a, String status, Instant endsAt) {
        Finding f = a.finding;
        Map<String, String> annotations = new LinkedHashMap<>();
        annotations.put("summary", f.summary());
        annotations.put("description", f.description());
        annotations.put("runbook_url", settings.runbookBaseUrl() + "#" + f.alertname().toLowerCase());
        return new Alert(Alert.SCHEMA_VERSION, status, labels(f), annotations, a.since, endsAt, a.fingerprint,
                settings.externalUrl() + "/api/clusters/" + f.cluster(), f.evidence());
    }
}
