package io.replsentinel.rules;

import io.replsentinel.event.ReplicationStatus;
import io.replsentinel.gtid.MariaDbGtidState;
import io.replsentinel.gtid.MySqlGtidSet;
import io.replsentinel.rules.DetectorSupport.Match;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * GtidSetUnreadable: (1) a reachable instance reports a GTID set ({@code gtid_executed} on MySQL,
 * {@code gtid_binlog_state} on MariaDB) that (2) this version cannot parse. ErrantTransactions
 * cannot compare that instance then, neither as a replica nor as a source: the alert says so rather
 * than letting that check go quiet. Label {@code field}: the status field that could not be read.
 */
final class GtidSetUnreadableDetector implements InstanceDetector {

    /** The last text parsed per instance and its error (empty: readable): the same text is not parsed twice. */
    private final PerInstance<Map.Entry<String, String>> seen = new PerInstance<>();

    @Override
    public String alertname() {
        return DetectorCatalogue.GTID_SET_UNREADABLE;
    }

    @Override
    public boolean readsCluster() {
        return false;
    }

    @Override
    public List<Finding> detect(ClusterView view, ReplicationStatus s) {
        String field = s.mariadb() ? "gtidBinlogState" : "gtidExecuted";
        String text = s.mariadb() ? s.gtidBinlogState() : s.gtidExecuted();
        if (!s.reachable() || text == null) {
            return List.of();
        }
        Map.Entry<String, String> verdict = seen.get(s.cluster(), s.instance());
        if (verdict == null || !verdict.getKey().equals(text)) {
            verdict = Map.entry(text, error(s.mariadb(), text));
            seen.put(s.cluster(), s.instance(), verdict);
        }
        return verdict.getValue().isEmpty() ? List.of() : List.of(finding(s, field, text, verdict.getValue()));
    }

    private static String error(boolean mariadb, String text) {
        try {
            if (mariadb) {
                MariaDbGtidState.parse(text);
            } else {
                MySqlGtidSet.parse(text);
            }
            return "";
        } catch (IllegalArgumentException e) {
            return String.valueOf(e.getMessage());
        }
    }

    private Finding finding(ReplicationStatus s, String field, String text, String error) {
        Map<String, Object> evidence = new LinkedHashMap<>();
        evidence.put("field", field);
        evidence.put("value", text);
        evidence.put("parseError", error);
        evidence.put("checksOff", List.of(DetectorCatalogue.ERRANT_TRANSACTIONS));
        Match m = new Match(Map.of("field", field), "The GTID set of " + s.instance() + " cannot be read",
                s.flavor() + " " + s.version() + " reported " + field + " in a form this version of repl-sentinel"
                        + " cannot parse (" + error + "): errant transactions on or against this instance go unseen"
                        + " until it can.", evidence);
        return DetectorSupport.finding(alertname(), DetectorCatalogue.WARNING, s, m.labels(), m);
    }
}
