package io.replsentinel.remediation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.replsentinel.event.Alert;
import io.replsentinel.event.ChannelStatus;
import io.replsentinel.event.ReplicationStatus;
import io.replsentinel.gtid.GtidInterval;
import io.replsentinel.gtid.MySqlGtidSet;
import io.replsentinel.remediation.CommandParams.Flavor;
import io.replsentinel.rules.DetectorCatalogue;
import io.replsentinel.rules.IoErrorCause;
import io.replsentinel.rules.ObservedTopology;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * The one switch from a firing alert to the command that fixes it (contract section 5), given the
 * cluster as the rules engine sees it now. Alerts no command fixes, and conditions a command
 * cannot fix safely, give none. Reads only the alert and the cluster's latest statuses.
 */
final class Proposals {

    /** What a proposal needs besides the alert: the cluster's statuses and topology, and the server_id allocator. */
    record Cluster(List<ReplicationStatus> statuses, ObservedTopology topology, Supplier<Long> newServerId) {

        Optional<ReplicationStatus> status(String instance) {
            return statuses.stream().filter(s -> s.instance().equals(instance)).findFirst();
        }

        /** The instance a channel replicates from, when it is one of the cluster's. */
        Optional<String> sourceOf(String replica, String channel) {
            return topology.edges().stream()
                    .filter(e -> e.replica().equals(replica) && e.channel().equals(channel) && e.inCluster())
                    .map(ObservedTopology.Edge::source).findFirst();
        }
    }

    /** A command to propose, before it gets an id, times and a signature. */
    record Draft(CommandType type, String instance, CommandParams params) {
    }

    private final ObjectMapper json;
    private final RemediationConfig config;

    Proposals(ObjectMapper json, RemediationConfig config) {
        this.json = json;
        this.config = config;
    }

    Optional<Draft> draft(Alert alert, Cluster cluster) {
        String instance = alert.labels().get("instance");
        Optional<ReplicationStatus> status = cluster.status(instance);
        if (status.isEmpty() || !status.get().reachable()) {
            return Optional.empty();
        }
        ReplicationStatus s = status.get();
        JsonNode evidence = json.valueToTree(alert.evidence() == null ? java.util.Map.of() : alert.evidence());
        String alertname = alert.alertname();
        if (DetectorCatalogue.REPLICATION_IO_THREAD_STOPPED.equals(alertname)) {
            return ioStopped(alert, s, cluster);
        }
        if (DetectorCatalogue.REPLICATION_IO_THREAD_CONNECTING.equals(alertname)) {
            return ioConnecting(alert, s, cluster);
        }
        if (DetectorCatalogue.REPLICATION_SQL_THREAD_STOPPED.equals(alertname)) {
            return sqlStopped(alert, s);
        }
        if (DetectorCatalogue.SERVER_ID_COLLISION.equals(alertname)) {
            return serverIdCollision(alert, s, evidence, cluster);
        }
        if (DetectorCatalogue.REPLICA_SOURCE_MISMATCH.equals(alertname)) {
            return sourceMismatch(alert, s, cluster);
        }
        if (DetectorCatalogue.ERRANT_TRANSACTIONS.equals(alertname)) {
            return errant(s, evidence, cluster);
        }
        if (DetectorCatalogue.DATA_DIVERGENCE.equals(alertname)) {
            return divergence(s, evidence, cluster);
        }
        return Optional.empty();
    }

    static Flavor flavor(ReplicationStatus s) {
        return s.mariadb() ? Flavor.mariadb : Flavor.mysql;
    }

    private static Optional<ChannelStatus> channel(ReplicationStatus s, Alert alert) {
        String name = alert.labels().getOrDefault("channel", "");
        return s.channels().stream().filter(c -> c.name().equals(name)).findFirst();
    }

    /** Network: start the receiver again. Purged logs: rebuild. Auth, uuid, id clashes: a command cannot fix the cause. */
    private Optional<Draft> ioStopped(Alert alert, ReplicationStatus s, Cluster cluster) {
        Optional<ChannelStatus> ch = channel(s, alert);
        if (ch.isEmpty()) {
            return Optional.empty();
        }
        String cause = alert.labels().get("cause");
        if (IoErrorCause.NETWORK.equals(cause) && ChannelStatus.STOPPED.equals(ch.get().ioState())) {
            return Optional.of(new Draft(CommandType.START_REPLICA_IO_THREAD, s.instance(),
                    new StartReplicaIoThreadParams(flavor(s), ch.get().name(), ch.get().lastIoErrno())));
        }
        if (IoErrorCause.SOURCE_LOG_PURGED.equals(cause)) {
            return rebuild(s, ch.get().name(), cluster, "the source purged binary logs the replica still needs (Last_IO_Errno "
                    + ch.get().lastIoErrno() + ")");
        }
        return Optional.empty();
    }

    /** Stuck connecting: restart replication, but only once the source answers (restarting sooner changes nothing). */
    private Optional<Draft> ioConnecting(Alert alert, ReplicationStatus s, Cluster cluster) {
        Optional<ChannelStatus> ch = channel(s, alert);
        if (ch.isEmpty() || !ChannelStatus.CONNECTING.equals(ch.get().ioState())) {
            return Optional.empty();
        }
        Optional<String> source = cluster.sourceOf(s.instance(), ch.get().name());
        if (source.isEmpty() || !cluster.status(source.get()).map(ReplicationStatus::reachable).orElse(false)) {
            return Optional.empty();
        }
        return Optional.of(new Draft(CommandType.RESTART_REPLICA, s.instance(),
                new RestartReplicaParams(flavor(s), ch.get().name(), source.get())));
    }

    /** One bad transaction: skip it, by hand only. A thread stopped with no error was stopped on purpose. */
    private Optional<Draft> sqlStopped(Alert alert, ReplicationStatus s) {
        Optional<ChannelStatus> ch = channel(s, alert);
        if (ch.isEmpty() || ch.get().lastSqlErrno() == 0) {
            return Optional.empty();
        }
        String gtid = null;
        if (!s.mariadb()) {
            gtid = firstUnapplied(ch.get()).orElse(null);
            if (gtid == null) {
                return Optional.empty();
            }
        }
        return Optional.of(new Draft(CommandType.SKIP_TRANSACTION, s.instance(), new SkipTransactionParams(flavor(s),
                ch.get().name(), gtid, ch.get().lastSqlErrno(), alert.labels().getOrDefault("cause", "other"))));
    }

    /** The applier stopped on the first transaction received and not executed. */
    static Optional<String> firstUnapplied(ChannelStatus ch) {
        if (ch.retrievedGtidSet() == null || ch.retrievedGtidSet().isBlank()) {
            return Optional.empty();
        }
        MySqlGtidSet pending = MySqlGtidSet.parse(ch.retrievedGtidSet())
                .subtract(MySqlGtidSet.parse(ch.executedGtidSet() == null ? "" : ch.executedGtidSet()));
        for (String uuid : pending.uuids()) {
            List<GtidInterval> untagged = pending.intervalsFor(uuid);
            if (!untagged.isEmpty()) {
                return Optional.of(uuid + ":" + untagged.get(0).first());
            }
        }
        return Optional.empty();
    }

    /**
     * Of the instances sharing the id, the primary keeps it (else the first by id, so every member
     * agrees which one keeps it); each other one gets a new id.
     */
    private Optional<Draft> serverIdCollision(Alert alert, ReplicationStatus s, JsonNode evidence, Cluster cluster) {
        Set<String> members = new TreeSet<>();
        members.add(s.instance());
        evidence.path("sharedWith").forEach(n -> members.add(n.asText()));
        String keeper = cluster.topology().primary() != null && members.contains(cluster.topology().primary())
                ? cluster.topology().primary() : members.iterator().next();
        if (keeper.equals(s.instance()) || s.serverId() == null) {
            return Optional.empty();
        }
        long newId = cluster.newServerId().get();
        List<String> others = members.stream().filter(m -> !m.equals(s.instance())).toList();
        Flavor flavor = flavor(s);
        return Optional.of(new Draft(CommandType.SET_SERVER_ID, s.instance(), new SetServerIdParams(flavor, s.serverId(),
                newId, others, flavor == Flavor.mariadb ? config.mariadbOptionFile() : null,
                flavor == Flavor.mariadb ? SetServerIdParams.optionFileLine(newId) : null)));
    }

    /** Point the channel at the cluster's observed primary, by GTID; a channel without auto-positioning needs a position chosen by hand. */
    private Optional<Draft> sourceMismatch(Alert alert, ReplicationStatus s, Cluster cluster) {
        Optional<ChannelStatus> ch = channel(s, alert);
        String primary = cluster.topology().primary();
        if (ch.isEmpty() || primary == null || primary.equals(s.instance()) || Boolean.FALSE.equals(ch.get().autoPosition())
                || !cluster.status(primary).map(ReplicationStatus::reachable).orElse(false)) {
            return Optional.empty();
        }
        return Optional.of(new Draft(CommandType.REPOINT_REPLICA, s.instance(), new RepointReplicaParams(flavor(s),
                ch.get().name(), ch.get().sourceHost(), ch.get().sourcePort() == null ? 0 : ch.get().sourcePort(), primary,
                CommandSql.host(primary), CommandSql.port(primary))));
    }

    /**
     * MySQL: an empty transaction on the primary per errant GTID; too many of them and the replica is
     * rebuilt instead. MariaDB: no equivalent (an empty transaction writes no binlog event, and its
     * GTIDs are a position per domain, not a set with holes), so nothing is proposed.
     */
    private Optional<Draft> errant(ReplicationStatus s, JsonNode evidence, Cluster cluster) {
        if (s.mariadb()) {
            return Optional.empty();
        }
        String text = evidence.path("errantGtids").asText("");
        if (text.isBlank()) {
            return Optional.empty();
        }
        MySqlGtidSet errant = MySqlGtidSet.parse(text);
        if (errant.hasTags()) {
            return Optional.empty();
        }
        String source = cluster.topology().primary();
        if (source == null || source.equals(s.instance())) {
            source = evidence.path("sources").path(0).asText(null);
        }
        if (source == null || source.equals(s.instance())) {
            return Optional.empty();
        }
        if (errant.count() > config.maxEmptyTransactions()) {
            return rebuild(s, s.channels().isEmpty() ? "" : s.channels().get(0).name(), cluster, errant.count()
                    + " errant transactions, more than sentinel.remediation.max-empty-transactions ("
                    + config.maxEmptyTransactions() + ")");
        }
        List<String> gtids = new ArrayList<>();
        for (String uuid : errant.uuids()) {
            for (GtidInterval i : errant.intervalsFor(uuid)) {
                for (long n = i.first(); n <= i.last(); n++) {
                    gtids.add(uuid + ":" + n);
                }
            }
        }
        return Optional.of(new Draft(CommandType.INJECT_EMPTY_TRANSACTIONS, source,
                new InjectEmptyTransactionsParams(s.instance(), source, gtids)));
    }

    /** Resync the table's differing rows from its source; beyond the resync limit, rebuild. */
    private Optional<Draft> divergence(ReplicationStatus s, JsonNode evidence, Cluster cluster) {
        String source = evidence.path("source").asText(null);
        String schema = evidence.path("schema").asText(null);
        String table = evidence.path("table").asText(null);
        if (source == null || schema == null || table == null) {
            return Optional.empty();
        }
        List<String> keyColumns = texts(evidence.path("keyColumns"));
        int rows = evidence.path("differingRows").asInt();
        boolean truncated = false;
        boolean allKeys = true;
        boolean allBounded = true;
        Collection<List<String>> keys = new LinkedHashSet<>();
        List<ResyncRowsParams.KeyRange> ranges = new ArrayList<>();
        for (JsonNode r : evidence.path("ranges")) {
            truncated |= r.path("truncated").asBoolean(false);
            JsonNode differing = r.path("differingKeys");
            if (differing.isArray() && !differing.isEmpty()) {
                differing.forEach(k -> keys.add(texts(k.path("key"))));
            } else {
                allKeys = false;
            }
            List<String> lower = r.hasNonNull("lower") ? texts(r.get("lower")) : null;
            List<String> upper = r.hasNonNull("upper") ? texts(r.get("upper")) : null;
            if (lower == null && upper == null) {
                allBounded = false;
            }
            ranges.add(new ResyncRowsParams.KeyRange(lower, upper));
        }
        if (truncated || rows > config.maxResyncRows()) {
            return rebuild(s, s.channels().isEmpty() ? "" : s.channels().get(0).name(), cluster, rows
                    + " differing row(s) in " + schema + "." + table + (truncated ? " and more the checker stopped counting"
                    : ", more than sentinel.remediation.max-resync-rows (" + config.maxResyncRows() + ")"));
        }
        String scope = keyColumns.isEmpty() || ranges.isEmpty() ? ResyncRowsParams.TABLE
                : allKeys ? ResyncRowsParams.KEYS : allBounded ? ResyncRowsParams.RANGES : ResyncRowsParams.TABLE;
        boolean readOnly = Boolean.TRUE.equals(s.readOnly()) || Boolean.TRUE.equals(s.superReadOnly());
        return Optional.of(new Draft(CommandType.RESYNC_ROWS, s.instance(), new ResyncRowsParams(flavor(s), source, schema,
                table, keyColumns, scope, ResyncRowsParams.KEYS.equals(scope) ? List.copyOf(keys) : List.of(),
                ResyncRowsParams.RANGES.equals(scope) ? ranges : List.of(), rows, readOnly)));
    }

    private Optional<Draft> rebuild(ReplicationStatus s, String channel, Cluster cluster, String why) {
        String donor = cluster.sourceOf(s.instance(), channel).orElse(cluster.topology().primary());
        if (donor == null || donor.equals(s.instance())) {
            return Optional.empty();
        }
        return Optional.of(new Draft(CommandType.REBUILD_REPLICA, s.instance(),
                new RebuildReplicaParams(flavor(s), channel, donor, why)));
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.isNull() ? null : n.asText()));
        return out.stream().map(v -> Objects.requireNonNullElse(v, "NULL")).toList();
    }
}
