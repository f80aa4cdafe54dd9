package io.replsentinel.rules;

import io.replsentinel.event.BinlogListenerState;
import io.replsentinel.event.ChannelStatus;
import io.replsentinel.event.GtidEvent;
import io.replsentinel.event.ReplicationStatus;
import io.replsentinel.rules.DetectorSupport.Match;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * MissingTransactions: a transaction in a source's binlog that a running replica
 * (1) logged empty ({@code cause=skipped}: an empty transaction was committed on the replica under
 * the source's GTID, so the real one was never applied), (2) logged with other rows
 * ({@code digest_mismatch}), or (3) has not logged although it has logged a later transaction of
 * that source for longer than the lag warning threshold, or not at all past the critical one
 * ({@code not_applied}). Only transactions the source's listener saw after the replica's listener
 * was running are judged, so a listener that starts mid-stream raises nothing. Needs both listeners
 * of the pair running; MariaDB replicas need {@code log_slave_updates}, MySQL ones
 * {@code log_replica_updates}, for their binlogs to hold what they applied.
 */
final class MissingTransactionsDetector implements Detector {

    static final String SKIPPED = "skipped";
    static final String DIGEST_MISMATCH = "digest_mismatch";
    static final String NOT_APPLIED = "not_applied";
    private static final int EVIDENCE_GTIDS = 10;

    private final DetectorSettings settings;

    MissingTransactionsDetector(DetectorSettings settings) {
        this.settings = settings;
    }

    @Override
    public String alertname() {
        return DetectorCatalogue.MISSING_TRANSACTIONS;
    }

    @Override
    public List<Finding> detect(ClusterView view) {
        TransactionStream stream = view.stream();
        if (stream.listeners().isEmpty()) {
            return List.of(); // no replica has a listener: nothing can be judged (most clusters, every status)
        }
        List<Finding> findings = new ArrayList<>();
        for (ReplicationStatus replica : view.reachable()) {
            Optional<BinlogListenerState> replicaListener = stream.listener(replica.instance());
            if (replica.channels().isEmpty() || replicaListener.isEmpty() || replicaListener.get().down()
                    || replicaListener.get().serverId() == null) {
                continue;
            }
            Instant watchedSince = replicaListener.get().since();
            Map<String, List<GtidEvent>> byCause = new TreeMap<>();
            Map<String, GtidEvent> replicaSide = new LinkedHashMap<>();
            for (ChannelStatus ch : replica.channels()) {
                Optional<ReplicationStatus> source = view.sourceOf(ch);
                if (source.isEmpty() || !ChannelStatus.RUNNING.equals(ch.sqlState())) {
                    continue;
                }
                Instant now = replica.observedAt();
                List<GtidEvent> judged = new ArrayList<>();
                for (GtidEvent tx : stream.transactions(source.get().instance())) {
                    if (!tx.seenAt().isBefore(watchedSince)) {
                        judged.add(tx);
                    }
                }
                // the replica has applied a later transaction of this source: anything before it is due
                int lastApplied = -1;
                for (int i = 0; i < judged.size(); i++) {
                    if (stream.transaction(replica.instance(), judged.get(i).gtid()).isPresent()) {
                        lastApplied = i;
                    }
                }
                for (int i = 0; i < judged.size(); i++) {
                    GtidEvent tx = judged.get(i);
                    Optional<GtidEvent> applied = stream.transaction(replica.instance(), tx.gtid());
                    Duration age = Duration.between(tx.seenAt(), now);
                    String cause = null;
                    if (applied.isPresent()) {
                        if (!applied.get().rowsDigest().equals(tx.rowsDigest())) {
                            cause = applied.get().empty() && !tx.empty() ? SKIPPED : DIGEST_MISMATCH;
                            replicaSide.put(tx.gtid(), applied.get());
                        }
                    } else if ((i < lastApplied && age.compareTo(settings.lagWarning()) > 0)
                            || age.compareTo(settings.lagCritical()) > 0) {
                        cause = NOT_APPLIED;
                    }
                    if (cause != null) {
                        byCause.computeIfAbsent(cause, c -> new ArrayList<>()).add(tx);
                    }
                }
            }
            byCause.forEach((cause, txs) -> findings.add(finding(replica, cause, txs, replicaSide)));
        }
        return findings;
    }

    private Finding finding(ReplicationStatus replica, String cause, List<GtidEvent> txs, Map<String, GtidEvent> replicaSide) {
        List<Map<String, Object>> shown = new ArrayList<>();
        for (GtidEvent tx : txs.subList(0, Math.min(EVIDENCE_GTIDS, txs.size()))) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("gtid", tx.gtid());
            e.put("source", tx.instance());
            e.put("sourceTables", tx.tables());
            e.put("sourceRowCount", tx.rowCount());
            e.put("sourceRowsDigest", tx.rowsDigest());
            GtidEvent r = replicaSide.get(tx.gtid());
            e.put("replicaTables", r == null ? null : r.tables());
            e.put("replicaRowCount", r == null ? null : r.rowCount());
            e.put("replicaRowsDigest", r == null ? null : r.rowsDigest());
            e.put("sourceSeenAt", tx.seenAt());
            shown.add(e);
        }
        Map<String, Object> evidence = new LinkedHashMap<>();
        evidence.put("cause", cause);
        evidence.put("transactions", txs.size());
        evidence.put("gtids", shown);
        evidence.put("replicaGtids", replica.mariadb() ? replica.gtidBinlogState() : replica.gtidExecuted());
        String what = switch (cause) {
            case SKIPPED -> "logged them empty: an empty transaction took the source's GTID, so the rows were never applied."
                    + " The GTID sets match and every status column says healthy.";
            case DIGEST_MISMATCH -> "applied them with other rows than the source's.";
            default -> "has not applied them although its applier runs, well past the lag threshold.";
        };
        Match m = new Match(Map.of("cause", cause), replica.instance() + " is missing " + txs.size()
                + " transaction(s) of its source (" + cause + "): " + txs.get(0).gtid(),
                "The replica " + what + " First: " + txs.get(0).gtid() + " touching " + txs.get(0).tables() + ".", evidence);
        return DetectorSupport.finding(alertname(), DetectorCatalogue.CRITICAL, replica, m.labels(), m);
    }
}
