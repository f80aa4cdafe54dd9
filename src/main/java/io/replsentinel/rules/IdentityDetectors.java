package io.replsentinel.rules;

import io.replsentinel.event.ReplicationStatus;
import io.replsentinel.rules.DetectorSupport.Match;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Detectors that compare instances with each other: shared server ids and uuids, and more than
 * one writable instance. Each finding is raised on every instance involved, with the others named
 * in the evidence.
 */
final class IdentityDetectors {

    private IdentityDetectors() {
    }

    /**
     * ServerIdCollision: (1) two or more reachable instances of the cluster report the same
     * server_id. MySQL replicas that share one stay silent (both Yes/Yes); the source's evidence
     * then shows more dump threads than SHOW REPLICAS rows.
     */
    static Detector serverIdCollision() {
        return collision(DetectorCatalogue.SERVER_ID_COLLISION, "server_id", StatusFacts.SERVER_ID, ReplicationStatus::serverId);
    }

    /** ServerUuidCollision: (1) two or more reachable instances report the same server_uuid (a cloned auto.cnf). */
    static Detector serverUuidCollision() {
        return collision(DetectorCatalogue.SERVER_UUID_COLLISION, "server_uuid", StatusFacts.TOPOLOGY, ReplicationStatus::serverUuid);
    }

    /** {@code fact}: the {@link StatusFacts} group {@code key} reads. */
    private static Detector collision(String alertname, String label, int fact, Function<ReplicationStatus, Object> key) {
        return FactDetector.of(alertname, StatusFacts.TOPOLOGY | fact, view -> {
            if (!anyShared(view.reachable(), key)) {
                return List.of();
            }
            Map<String, List<ReplicationStatus>> groups = new TreeMap<>();
            for (ReplicationStatus s : view.reachable()) {
                Object k = key.apply(s);
                if (k != null) {
                    groups.computeIfAbsent(k.toString(), x -> new ArrayList<>()).add(s);
                }
            }
            List<Finding> findings = new ArrayList<>();
            groups.forEach((value, members) -> {
                if (members.size() < 2) {
                    return;
                }
                List<String> ids = members.stream().map(ReplicationStatus::instance).toList();
                for (ReplicationStatus s : members) {
                    Map<String, Object> evidence = new LinkedHashMap<>();
                    evidence.put(label, value);
                    evidence.put("sharedWith", ids.stream().filter(i -> !i.equals(s.instance())).toList());
                    evidence.put("dumpThreadsOnSources", dumpThreads(view));
                    Match m = new Match(Map.of(label, value), s.instance() + " shares " + label + " " + value
                            + " with " + (members.size() - 1) + " other instance(s)",
                            "Instances " + ids + " all report " + label + " " + value
                                    + ". A source serves only one replica per server_id; the others are"
                                    + " silently disconnected or lose transactions.", evidence);
                    findings.add(DetectorSupport.finding(alertname, DetectorCatalogue.CRITICAL, s, m.labels(), m));
                }
            });
            return findings;
        });
    }

    /**
     * Whether two instances report the same value, as grouping by its text would find: ids and uuids
     * are Longs and Strings, whose texts are equal exactly when they are. Clusters are small, so
     * comparing pairs costs less than building the groups for every status.
     */
    private static boolean anyShared(List<ReplicationStatus> reachable, Function<ReplicationStatus, Object> key) {
        for (int i = 0; i < reachable.size(); i++) {
            Object a = key.apply(reachable.get(i));
            if (a == null) {
                continue;
            }
            for (int j = i + 1; j < reachable.size(); j++) {
                Object b = key.apply(reachable.get(j));
                if (b != null && sameText(a, b)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean sameText(Object a, Object b) {
        if (a.getClass() == b.getClass() && (a instanceof Long || a instanceof String)) {
            return a.equals(b);
        }
        return a.toString().equals(b.toString());
    }

    /** Per source: dump threads seen versus replicas listed, the trace a silent server_id clash leaves. */
    private static Map<String, String> dumpThreads(ClusterView view) {
        Map<String, String> result = new TreeMap<>();
        for (ReplicationStatus s : view.reachable()) {
            if (s.binlogDumpThreads() != null && s.binlogDumpThreads() > 0) {
                result.put(s.instance(), s.binlogDumpThreads() + " dump threads, "
                        + (s.missingPrivileges().contains("replica_hosts") ? "replica list denied to the monitoring user"
                        : s.replicas().size() + " replicas listed"));
            }
        }
        return result;
    }

    /**
     * MultipleWritablePrimaries: (1) more than one reachable instance of the cluster has
     * read_only OFF. Raised on each writable instance.
     */
    static Detector multipleWritablePrimaries() {
        return FactDetector.of(DetectorCatalogue.MULTIPLE_WRITABLE_PRIMARIES, StatusFacts.TOPOLOGY, view -> {
            int writableCount = 0;
            for (ReplicationStatus s : view.reachable()) {
                if (Boolean.FALSE.equals(s.readOnly())) {
                    writableCount++;
                }
            }
            if (writableCount < 2) {
                return List.of();
            }
            List<ReplicationStatus> writable = view.reachable().stream()
                    .filter(s -> Boolean.FALSE.equals(s.readOnly())).toList();
            if (writable.size() < 2) {
                return List.of();
            }
            List<String> ids = writable.stream().map(ReplicationStatus::instance).toList();
            String primary = view.primary().map(ReplicationStatus::instance).orElse(null);
            List<Finding> findings = new ArrayList<>();
            for (ReplicationStatus s : writable) {
                Map<String, Object> evidence = new LinkedHashMap<>();
                evidence.put("writableInstances", ids);
                evidence.put("readOnly", s.readOnly());
                evidence.put("superReadOnly", s.superReadOnly());
                evidence.put("replicationChannels", s.channels().size());
                evidence.put("observedPrimary", primary);
                Match m = new Match(Map.of(), s.instance() + " accepts writes beside " + (ids.size() - 1) + " other(s)",
                        "Writable: " + ids + (Objects.equals(primary, s.instance()) ? "; this is the primary"
                                : "; writes here are errant transactions waiting to happen"), evidence);
                findings.add(DetectorSupport.finding(DetectorCatalogue.MULTIPLE_WRITABLE_PRIMARIES, DetectorCatalogue.CRITICAL, s, Map.of(), m));
            }
            return findings;
        });
    }
}
