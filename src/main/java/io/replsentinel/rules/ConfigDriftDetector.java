package io.replsentinel.rules;

import io.replsentinel.event.ReplicationStatus;
import io.replsentinel.rules.DetectorSupport.Match;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * ReplicationConfigDrift: (1) a setting replication depends on differs between reachable instances
 * of a cluster; raised, with label {@code setting}, on each instance whose value differs from the
 * primary's (or, with no primary known, from the most common value).
 */
final class ConfigDriftDetector implements FactDetector {

    /** The settings compared, by their server variable names. */
    static final Map<String, Function<ReplicationStatus, Object>> SETTINGS = settings();

    private static Map<String, Function<ReplicationStatus, Object>> settings() {
        Map<String, Function<ReplicationStatus, Object>> m = new LinkedHashMap<>();
        m.put("gtid_mode", ReplicationStatus::gtidMode);
        m.put("enforce_gtid_consistency", ReplicationStatus::enforceGtidConsistency);
        m.put("binlog_format", ReplicationStatus::binlogFormat);
        m.put("log_replica_updates", ReplicationStatus::logReplicaUpdates);
        m.put("binlog_row_image", ReplicationStatus::binlogRowImage);
        m.put("gtid_strict_mode", ReplicationStatus::gtidStrictMode);
        return m;
    }

    @Override
    public String alertname() {
        return DetectorCatalogue.REPLICATION_CONFIG_DRIFT;
    }

    @Override
    public int facts() {
        return StatusFacts.TOPOLOGY | StatusFacts.CONFIG;
    }

    @Override
    public List<Finding> detect(ClusterView view) {
        List<ReplicationStatus> reachable = view.reachable();
        if (reachable.size() < 2) {
            return List.of();
        }
        Optional<ReplicationStatus> primary = view.primary();
        List<Finding> findings = new ArrayList<>();
        SETTINGS.forEach((setting, read) -> {
            if (agreed(reachable, read)) {
                return;
            }
            Map<String, String> values = new TreeMap<>();
            for (ReplicationStatus s : reachable) {
                Object v = read.apply(s);
                if (v != null) {
                    values.put(s.instance(), v.toString());
                }
            }
            if (values.values().stream().distinct().count() < 2) {
                return;
            }
            String expected = primary.map(p -> values.get(p.instance())).orElseGet(() -> mostCommon(values));
            if (expected == null) {
                expected = mostCommon(values);
            }
            for (ReplicationStatus s : reachable) {
                String value = values.get(s.instance());
                if (value == null || value.equals(expected)) {
                    continue;
                }
                Map<String, Object> evidence = new LinkedHashMap<>();
                evidence.put("setting", setting);
                evidence.put("value", value);
                evidence.put("expected", expected);
                evidence.put("values", values);
                Match m = new Match(Map.of("setting", setting), s.instance() + " has " + setting + "=" + value
                        + " where the cluster has " + expected,
                        "Replication settings differ inside cluster " + s.cluster() + ": " + values, evidence);
                findings.add(DetectorSupport.finding(alertname(), DetectorCatalogue.WARNING, s, m.labels(), m));
            }
        });
        return findings;
    }

    /** Whether the instances that report the setting all report one value: then nothing can drift. */
    private static boolean agreed(List<ReplicationStatus> reachable, Function<ReplicationStatus, Object> read) {
        String first = null;
        for (ReplicationStatus s : reachable) {
            Object v = read.apply(s);
            if (v == null) {
                continue;
            }
            String text = v.toString();
            if (first == null) {
                first = text;
            } else if (!first.equals(text)) {
                return false;
            }
        }
        return true;
    }

    private static String mostCommon(Map<String, String> values) {
        return values.values().stream().collect(Collectors.groupingBy(v -> v, TreeMap::new, Collectors.counting()))
                .entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElse(null);
    }
}
