package io.replsentinel.event;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * One poll of one instance: what the poller publishes to the status topic and what the rules
 * engine reads back. Field names are part of the user-facing contract (see
 * {@code schemas/replication-status.v1.json}).
 *
 * @param expectedRole the role the inventory declares ({@code primary}, {@code replica}) or null
 * @param labels       the instance's free labels from the inventory, copied onto its alerts
 * @param gtidBinlogState MariaDB's {@code gtid_binlog_state}: the last GTID per domain and server id,
 *                     where an errant write shows even when {@code gtid_strict_mode} is off
 * @param binlogDumpThreads replicas streaming from this server now ({@code Binlog Dump} threads);
 *                     more than {@code replicas} lists means two replicas share a server_id
 * @param addresses    the addresses the instance's host name resolves to, to match replicas' sources
 */
public record ReplicationStatus(
        int schemaVersion,
        String cluster,
        String instance,
        Instant observedAt,
        long pollMillis,
        boolean reachable,
        PollError error,
        String flavor,
        String version,
        Long serverId,
        String serverUuid,
        Boolean readOnly,
        Boolean superReadOnly,
        String gtidMode,
        String gtidExecuted,
        String binlogFormat,
        Boolean logReplicaUpdates,
        List<ChannelStatus> channels,
        List<ReplicaHost> replicas,
        Long heartbeatLagMillis,
        String expectedRole,
        Map<String, String> labels,
        String enforceGtidConsistency,
        String binlogRowImage,
        Boolean gtidStrictMode,
        String gtidBinlogState,
        Integer binlogDumpThreads,
        List<String> addresses) {

    public static final int SCHEMA_VERSION = 1;

    public ReplicationStatus {
        channels = channels == null ? List.of() : List.copyOf(channels);
        replicas = replicas == null ? List.of() : List.copyOf(replicas);
        labels = labels == null ? Map.of() : Map.copyOf(labels);
        addresses = addresses == null ? List.of() : List.copyOf(addresses);
    }

    /** A status without the fields added in later versions of the poller (they read as unknown). */
    public ReplicationStatus(int schemaVersion, String cluster, String instance, Instant observedAt, long pollMillis,
                             boolean reachable, PollError error, String flavor, String version, Long serverId,
                             String serverUuid, Boolean readOnly, Boolean superReadOnly, String gtidMode,
                             String gtidExecuted, String binlogFormat, Boolean logReplicaUpdates,
                             List<ChannelStatus> channels, List<ReplicaHost> replicas, Long heartbeatLagMillis,
                             String expectedRole, Map<String, String> labels) {
        this(schemaVersion, cluster, instance, observedAt, pollMillis, reachable, error, flavor, version, serverId,
                serverUuid, readOnly, superReadOnly, gtidMode, gtidExecuted, binlogFormat, logReplicaUpdates, channels,
                replicas, heartbeatLagMillis, expectedRole, labels, null, null, null, null, null, List.of());
    }

    public boolean mariadb() {
        return "mariadb".equals(flavor);
    }

    /** A copy with the heartbeat lag set. */
    public ReplicationStatus withHeartbeatLagMillis(Long lag) {
        return new ReplicationStatus(schemaVersion, cluster, instance, observedAt, pollMillis, reachable, error, flavor,
                version, serverId, serverUuid, readOnly, superReadOnly, gtidMode, gtidExecuted, binlogFormat,
                logReplicaUpdates, channels, replicas, lag, expectedRole, labels, enforceGtidConsistency,
                binlogRowImage, gtidStrictMode, gtidBinlogState, binlogDumpThreads, addresses);
    }
}
