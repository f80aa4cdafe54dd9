package io.replsentinel.rules;

import io.replsentinel.event.BinlogListenerState;
import io.replsentinel.event.ChannelStatus;
import io.replsentinel.event.GtidEvent;
import io.replsentinel.event.ReplicationStatus;
import io.replsentinel.gtid.ErrantTransactions;
import io.replsentinel.gtid.MariaDbGtidState;
import io.replsentinel.gtid.MySqlGtidSet;
import io.replsentinel.rules.DetectorSupport.Match;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * ErrantTransactions: (1) a reachable replica has executed transactions that (2) none of its
 * sources has, (3) compared with source statuses whose poll started after the replica's ended, so that polls taken
 * at different moments never raise a false alarm, and (4) not from an allowed uuid, domain or
 * server id. MySQL compares {@code gtid_executed}; MariaDB compares {@code gtid_binlog_state},
 * which also shows errant writes that {@code gtid_strict_mode=OFF} lets through silently.
 * <p>
 * When the comparison cannot be made yet (a source not polled since the replica, or unreachable),
 * the previous verdict stands: the alert neither fires nor resolves on missing information.
 */
final class ErrantTransactionsDetector implements FactDetector {

    /**
     * Polls of one cluster are a poll interval apart; a source polled this much later than its replica
     * can only be the service clock stepping back between the two, and time cannot order them.
     */
    static final Duration ACROSS_A_CLOCK_STEP = Duration.ofMinutes(1);

    private final DetectorSettings settings;
    private final PerInstance<Optional<Finding>> verdicts = new PerInstance<>();
    private final ParsedGtidSets parsed = new ParsedGtidSets();
    /** Clusters whose last run kept a verdict for want of sources polled after their replica. */
    private final java.util.Set<String> waiting = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** Per replica, the last comparison made and its result: the same texts give the same errant set. */
    private final PerInstance<Compared> compared = new PerInstance<>();
    /** Per replica, the poll time from which its poll verdict has waited for the listener's evidence. */
    private final PerInstance<java.time.Instant> heldSince = new PerInstance<>();
    /** Per replica, whether its last settled verdict found nothing errant. */
    private final PerInstance<Boolean> judgedClear = new PerInstance<>();

    /** The GTID texts of a replica and its sources, and the errant transactions they gave (null: none to compare). */
    private record Compared(String replica, String[] sources, ErrantTransactions errant) {

        boolean of(String replicaText, List<ReplicationStatus> from, boolean mariadb) {
            if (!replica.equals(replicaText) || sources.length != from.size()) {
                return false;
            }
            for (int i = 0; i < sources.length; i++) {
                if (!java.util.Objects.equals(sources[i], text(from.get(i), mariadb))) {
                    return false;
                }
            }
            return true;
        }
    }

    private static String text(ReplicationStatus s, boolean mariadb) {
        return mariadb ? s.gtidBinlogState() : s.gtidExecuted();
    }

    ErrantTransactionsDetector(DetectorSettings settings) {
        this.settings = settings;
    }

    @Override
    public String alertname() {
        return DetectorCatalogue.ERRANT_TRANSACTIONS;
    }

    /** Who is whose source, and the GTID sets compared. */
    @Override
    public int facts() {
        return StatusFacts.TOPOLOGY | StatusFacts.GTID;
    }

    /** False while a replica's verdict waits for its sources' next polls: one of them may settle it with no fact changed. */
    @Override
    public boolean settled(ClusterView view) {
        return !waiting.contains(view.cluster());
    }

    @Override
    public List<Finding> detect(ClusterView view) {
        List<Finding> findings = new ArrayList<>();
        boolean wait = false;
        for (ReplicationStatus replica : view.instances()) {
            Optional<Optional<Finding>> verdict = replica.reachable() && !replica.channels().isEmpty()
                    ? judge(view, replica) : Optional.of(Optional.empty());
            boolean wasClear = Boolean.TRUE.equals(judgedClear.get(replica.cluster(), replica.instance()));
            verdict.ifPresent(v -> judgedClear.put(replica.cluster(), replica.instance(), v.isEmpty()));
            Optional<Finding> current;
            if (verdict.isPresent()) {
                current = verdict.get();
            } else {
                wait = true;
                Optional<Finding> kept = verdicts.get(replica.cluster(), replica.instance());
                current = kept == null ? Optional.empty() : kept;
            }
            verdicts.put(replica.cluster(), replica.instance(), current);
            Optional<Finding> found = withStream(view, replica, current);
            if (heldForStream(view, replica, current, found, wasClear)) {
                wait = true;
                continue;
            }
            found.ifPresent(findings::add);
        }
        if (wait) {
            waiting.add(view.cluster());
        } else {
            waiting.remove(view.cluster());
        }
        return findings;
    }

    /**
     * True while a poll's verdict waits for the replica's binlog listener: the poll can compare GTID
     * sets before the listener's GtidEvents of the errant commit reach the engine, and an alert is
     * announced once, so firing then would send Alertmanager, Slack and the alerts topic evidence
     * without the tables and rows. The wait is bounded by {@code sentinel.rules.errant.stream-wait},
     * counted in the replica's own poll times; a listener not running is not waited for. Only a
     * verdict that follows one judged clear waits: after a restart the alert may be firing already.
     */
    private boolean heldForStream(ClusterView view, ReplicationStatus replica, Optional<Finding> polled,
                                  Optional<Finding> found, boolean wasClear) {
        if (polled.isEmpty()) {
            heldSince.remove(replica.cluster(), replica.instance());
            return false;
        }
        if (found.isEmpty() || found.get().evidence().containsKey("errantTables") || !listenerRunning(view, replica)) {
            return false;
        }
        java.time.Instant since = heldSince.get(replica.cluster(), replica.instance());
        if (since == null) {
            if (!wasClear) {
                return false;
            }
            since = replica.observedAt();
            heldSince.put(replica.cluster(), replica.instance(), since);
        }
        return replica.observedAt().isBefore(since.plus(settings.errantStreamWait()));
    }

    private static boolean listenerRunning(ClusterView view, ReplicationStatus replica) {
        return view.stream().listener(replica.instance())
                .map(l -> BinlogListenerState.RUNNING.equals(l.state())).orElse(false);
    }

    /** The verdict, or empty when the sources' statuses cannot settle it yet. */
    private Optional<Optional<Finding>> judge(ClusterView view, ReplicationStatus replica) {
        List<ReplicationStatus> sources = new ArrayList<>();
        for (ChannelStatus ch : replica.channels()) {
            Optional<ReplicationStatus> source = view.sourceOf(ch);
            if (source.isEmpty()) {
                return Optional.of(Optional.empty()); // not this detector's business: ReplicaSourceMismatch
            }
            // the source's poll must start after the replica's ended: observedAt is when a poll starts,
            // and a first poll that connects reads its GTIDs well after that
            if (!source.get().reachable() || source.get().observedAt().isBefore(polledUntil(replica))
                    || source.get().observedAt().isAfter(replica.observedAt().plus(ACROSS_A_CLOCK_STEP))) {
                return Optional.empty();
            }
            sources.add(source.get());
        }
        ErrantTransactions errant;
        try {
            errant = compare(replica, sources);
        } catch (IllegalArgumentException unreadable) {
            return Optional.empty(); // a GTID set this version cannot read: GtidSetUnreadable says so
        }
        if (errant == null || errant.isEmpty()) {
            return Optional.of(Optional.empty());
        }
        return Optional.of(Optional.of(finding(replica, sources, errant)));
    }

    /** The errant transactions of the replica against its sources, compared again only when a GTID text changed. */
    private ErrantTransactions compare(ReplicationStatus replica, List<ReplicationStatus> sources) {
        boolean mariadb = replica.mariadb();
        String replicaText = text(replica, mariadb);
        if (replicaText == null) {
            return null;
        }
        Compared last = compared.get(replica.cluster(), replica.instance());
        if (last != null && last.of(replicaText, sources, mariadb)) {
            return last.errant();
        }
        ErrantTransactions errant = mariadb ? mariadb(replica, sources) : mysql(replica, sources);
        String[] sourceTexts = new String[sources.size()];
        for (int i = 0; i < sourceTexts.length; i++) {
            sourceTexts[i] = text(sources.get(i), mariadb);
        }
        compared.put(replica.cluster(), replica.instance(), new Compared(replicaText, sourceTexts, errant));
        return errant;
    }

    private static java.time.Instant polledUntil(ReplicationStatus s) {
        return s.observedAt().plusMillis(Math.max(0, s.pollMillis()));
    }

    /**
     * Where a binlog listener runs on the replica: the transactions it logged that the replica
     * originated itself and no source has, with their tables and row counts. They add the tables
     * to the poll's verdict, and raise the alert on their own before the next polls can compare
     * GTID sets (within a second of the errant commit).
     */
    private Optional<Finding> withStream(ClusterView view, ReplicationStatus replica, Optional<Finding> polled) {
        if (!replica.reachable() || replica.channels().isEmpty()
                || view.stream().transactions(replica.instance()).isEmpty()) {
            return polled; // without binlog transactions of the replica there is nothing to add
        }
        List<ReplicationStatus> sources = new ArrayList<>();
        for (ChannelStatus ch : replica.channels()) {
            view.sourceOf(ch).filter(ReplicationStatus::reachable).ifPresent(sources::add);
        }
        if (sources.isEmpty()) {
            return polled;
        }
        List<GtidEvent> errant = new ArrayList<>();
        for (GtidEvent tx : view.stream().transactions(replica.instance())) {
            if (originatedOn(replica, tx) && !allowed(tx) && sources.stream().noneMatch(s -> holds(s, tx))) {
                errant.add(tx);
            }
        }
        if (errant.isEmpty()) {
            return polled;
        }
        Map<String, long[]> tables = new java.util.TreeMap<>();
        for (GtidEvent tx : errant) {
            for (GtidEvent.TableRows t : tx.tables()) {
                long[] c = tables.computeIfAbsent(t.table(), k -> new long[3]);
                c[0] += t.inserted();
                c[1] += t.updated();
                c[2] += t.deleted();
            }
        }
        List<Map<String, Object>> touched = new ArrayList<>();
        tables.forEach((t, c) -> touched.add(Map.of("table", t, "inserted", c[0], "updated", c[1], "deleted", c[2])));
        List<String> gtids = errant.stream().map(GtidEvent::gtid).limit(20).toList();
        if (polled.isPresent()) {
            Finding f = polled.get();
            Map<String, Object> evidence = new LinkedHashMap<>(f.evidence());
            evidence.put("errantTables", touched);
            evidence.put("errantTransactionsSeen", gtids);
            evidence.put("foundBy", "poll");
            return Optional.of(new Finding(f.alertname(), f.severity(), f.cluster(), f.instance(), f.labels(),
                    f.instanceLabels(), f.summary(), f.description(), evidence, f.observedAt()));
        }
        Map<String, Object> evidence = new LinkedHashMap<>();
        evidence.put("errantGtids", String.join(",", gtids));
        evidence.put("errantCount", errant.size());
        evidence.put("errantTables", touched);
        evidence.put("errantTransactionsSeen", gtids);
        evidence.put("foundBy", "binlog");
        evidence.put("sources", sources.stream().map(ReplicationStatus::instance).toList());
        Match m = new Match(Map.of(), replica.instance() + " has transactions its source never had: " + gtids.get(0),
                "The replica's binlog holds " + errant.size() + " transaction(s) it originated itself, touching "
                        + touched + ". They will break a failover to it or a re-point.", evidence);
        return Optional.of(DetectorSupport.finding(alertname(), DetectorCatalogue.WARNING, replica, Map.of(), m));
    }

    /** The replica wrote it itself: its own uuid (MySQL) or its own server_id (MariaDB) is the GTID's origin. */
    private static boolean originatedOn(ReplicationStatus replica, GtidEvent tx) {
        if (replica.mariadb()) {
            return replica.serverId() != null && replica.serverId().equals(tx.originServerId());
        }
        return replica.serverUuid() != null && replica.serverUuid().equalsIgnoreCase(tx.originServerUuid());
    }

    private boolean allowed(GtidEvent tx) {
        return (tx.originServerUuid() != null && settings.errantAllowedUuids().contains(tx.originServerUuid().toLowerCase()))
                || (tx.originDomainId() != null && settings.errantAllowedDomainIds().contains(tx.originDomainId()))
                || (tx.originServerId() != null && settings.errantAllowedServerIds().contains(tx.originServerId()));
    }

    /** The source has the transaction too (e.g. an empty one injected there to repair the history). */
    private boolean holds(ReplicationStatus source, GtidEvent tx) {
        try {
            if (source.mariadb()) {
                if (source.gtidBinlogState() == null || tx.originDomainId() == null || tx.originServerId() == null) {
                    return false;
                }
                long seq = Long.parseLong(tx.gtid().substring(tx.gtid().lastIndexOf('-') + 1));
                return parsed.mariadb(source, source.gtidBinlogState()).get(tx.originDomainId(), tx.originServerId())
                        .map(g -> Long.compareUnsigned(g.seq(), seq) >= 0).orElse(false);
            }
            if (source.gtidExecuted() == null || tx.originServerUuid() == null) {
                return false;
            }
            long n = Long.parseLong(tx.gtid().substring(tx.gtid().lastIndexOf(':') + 1));
            return parsed.mysql(source, source.gtidExecuted()).contains(tx.originServerUuid().toLowerCase(), n);
        } catch (IllegalArgumentException unreadable) {
            return true; // cannot tell: say nothing rather than raise on a set this version cannot read
        }
    }

    private ErrantTransactions mysql(ReplicationStatus replica, List<ReplicationStatus> sources) {
        if (replica.gtidExecuted() == null) {
            return null;
        }
        MySqlGtidSet union = MySqlGtidSet.empty();
        for (ReplicationStatus s : sources) {
            union = union.union(parsed.mysql(s, s.gtidExecuted() == null ? "" : s.gtidExecuted()));
        }
        return ErrantTransactions.mysql(parsed.mysql(replica, replica.gtidExecuted()), union, settings.errantAllowedUuids());
    }

    /** An entry is errant only if it is foreign to every source of the replica. */
    private ErrantTransactions mariadb(ReplicationStatus replica, List<ReplicationStatus> sources) {
        if (replica.gtidBinlogState() == null) {
            return null;
        }
        ErrantTransactions result = null;
        MariaDbGtidState remaining = parsed.mariadb(replica, replica.gtidBinlogState());
        for (ReplicationStatus s : sources) {
            if (s.gtidBinlogState() == null) {
                return null;
            }
            result = ErrantTransactions.mariaDb(remaining, parsed.mariadb(s, s.gtidBinlogState()),
                    settings.errantAllowedDomainIds(), settings.errantAllowedServerIds());
            remaining = ((ErrantTransactions.MariaDb) result).gtids();
        }
        return result;
    }

    private Finding finding(ReplicationStatus replica, List<ReplicationStatus> sources, ErrantTransactions errant) {
        Map<String, Object> evidence = new LinkedHashMap<>();
        evidence.put("errantGtids", errant.toString());
        evidence.put("errantCount", errant instanceof ErrantTransactions.MySql m ? m.count()
                : ((ErrantTransactions.MariaDb) errant).gtids().gtids().size());
        evidence.put("replicaGtids", replica.mariadb() ? replica.gtidBinlogState() : replica.gtidExecuted());
        evidence.put("sources", sources.stream().map(ReplicationStatus::instance).toList());
        evidence.put("sourceGtids", sources.stream()
                .map(s -> s.mariadb() ? s.gtidBinlogState() : s.gtidExecuted()).toList());
        evidence.put("sourceObservedAt", sources.stream().map(ReplicationStatus::observedAt).toList());
        if (replica.mariadb()) {
            evidence.put("gtidStrictMode", replica.gtidStrictMode());
        }
        Match m = new Match(Map.of(), replica.instance() + " has transactions its source never had: " + errant,
                "Errant GTIDs " + errant + " were executed on the replica itself. They will break a failover to it"
                        + " or a re-point, and the rows they touched differ from the source's.", evidence);
        return DetectorSupport.finding(alertname(), DetectorCatalogue.WARNING, replica, Map.of(), m);
    }
}
