package io.replsentinel.rules;

import io.replsentinel.event.ChannelStatus;
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
import java.util.concurrent.ConcurrentHashMap;

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
final class ErrantTransactionsDetector implements Detector {

    /**
     * Polls of one cluster are a poll interval apart; a source polled this much later than its replica
     * can only be the service clock stepping back between the two, and time cannot order them.
     */
    static final Duration ACROSS_A_CLOCK_STEP = Duration.ofMinutes(1);

    private final DetectorSettings settings;
    private final Map<String, Optional<Finding>> verdicts = new ConcurrentHashMap<>();

    ErrantTransactionsDetector(DetectorSettings settings) {
        this.settings = settings;
    }

    @Override
    public String alertname() {
        return DetectorCatalogue.ERRANT_TRANSACTIONS;
    }

    @Override
    public List<Finding> detect(ClusterView view) {
        List<Finding> findings = new ArrayList<>();
        for (ReplicationStatus replica : view.instances()) {
            String key = replica.cluster() + "/" + replica.instance();
            Optional<Optional<Finding>> verdict = replica.reachable() && !replica.channels().isEmpty()
                    ? judge(view, replica) : Optional.of(Optional.empty());
            Optional<Finding> current = verdict.orElseGet(() -> verdicts.getOrDefault(key, Optional.empty()));
            verdicts.put(key, current);
            current.ifPresent(findings::add);
        }
        return findings;
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
            errant = replica.mariadb() ? mariadb(replica, sources) : mysql(replica, sources);
        } catch (IllegalArgumentException unreadable) {
            return Optional.empty(); // a GTID set this version cannot read: GtidSetUnreadable says so
        }
        if (errant == null || errant.isEmpty()) {
            return Optional.of(Optional.empty());
        }
        return Optional.of(Optional.of(finding(replica, sources, errant)));
    }

    private static java.time.Instant polledUntil(ReplicationStatus s) {
        return s.observedAt().plusMillis(Math.max(0, s.pollMillis()));
    }

    private ErrantTransactions mysql(ReplicationStatus replica, List<ReplicationStatus> sources) {
        if (replica.gtidExecuted() == null) {
            return null;
        }
        MySqlGtidSet union = MySqlGtidSet.empty();
        for (ReplicationStatus s : sources) {
            union = union.union(MySqlGtidSet.parse(s.gtidExecuted() == null ? "" : s.gtidExecuted()));
        }
        return ErrantTransactions.mysql(MySqlGtidSet.parse(replica.gtidExecuted()), union, settings.errantAllowedUuids());
    }

    /** An entry is errant only if it is foreign to every source of the replica. */
    private ErrantTransactions mariadb(ReplicationStatus replica, List<ReplicationStatus> sources) {
        if (replica.gtidBinlogState() == null) {
            return null;
        }
        ErrantTransactions result = null;
        MariaDbGtidState remaining = MariaDbGtidState.parse(replica.gtidBinlogState());
        for (ReplicationStatus s : sources) {
            if (s.gtidBinlogState() == null) {
                return null;
            }
            result = ErrantTransactions.mariaDb(remaining, MariaDbGtidState.parse(s.gtidBinlogState()),
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
