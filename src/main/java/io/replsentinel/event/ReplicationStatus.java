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
 * @param binlogDumpThreads replicas streaming from this server ({@code Binlog Dump} threads), counted
 *                     every {@code sentinel.poll.dump-thread-interval}; more than {@code replicas}
 *                     lists means two replicas share a server_id
 * @param addresses    the addresses the instance's host name resolves to, to match replicas' sources
 * @param sequence     per instance, increasing with every poll of one poller: the engine orders an
 *                     instance's statuses by it, never by wall-clock time (0 from pollers that predate it)
 * @param poller       the node that polled, and its group generation (null from pollers that predate it)
 * @param missingPrivileges the capabilities a denied statement switched off for this poll, e.g.
 *                     {@code replica_hosts}; the status says nothing about what they feed
 * @param deniedCapabilities for each of {@code missingPrivileges}: the statement, the server's error,
 *                     what is lost and the GRANT that gives it back
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
        List<String> addresses,
        long sequence,
        PollerIdentity poller,
        List<String> missingPrivileges,
        List<DeniedCapability> deniedCapabilities) {

    public static final int SCHEMA_VERSION = 1;

    public ReplicationStatus {
        channels = channels == null ? List.of() : List.copyOf(channels);
        replicas = replicas == null ? List.of() : List.copyOf(replicas);
        labels = labels == null ? Map.of() : Map.copyOf(labels);
        addresses = addresses == null ? List.of() : List.copyOf(addresses);
        missingPrivileges = missingPrivileges == null ? List.of() : List.copyOf(missingPrivileges);
        deniedCapabilities = deniedCapabilities == null ? List.of() : List.copyOf(deniedCapabilities);
    }

    public boolean mariadb() {
        return "mariadb".equals(flavor);
    }

    /** A copy with the heartbeat lag set. */
    public ReplicationStatus withHeartbeatLagMillis(Long lag) {
        return toBuilder().heartbeatLagMillis(lag).build();
    }

    /** A builder for a status of {@code instance} in {@code cluster}, every other field unknown. */
    public static Builder builder(String cluster, String instance) {
        return new Builder().cluster(cluster).instance(instance);
    }

    /** A builder holding every field of this status, to derive a changed copy. */
    public Builder toBuilder() {
        return new Builder().schemaVersion(schemaVersion).cluster(cluster).instance(instance).observedAt(observedAt)
                .pollMillis(pollMillis).reachable(reachable).error(error).flavor(flavor).version(version)
                .serverId(serverId).serverUuid(serverUuid).readOnly(readOnly).superReadOnly(superReadOnly)
                .gtidMode(gtidMode).gtidExecuted(gtidExecuted).binlogFormat(binlogFormat)
                .logReplicaUpdates(logReplicaUpdates).channels(channels).replicas(replicas)
                .heartbeatLagMillis(heartbeatLagMillis).expectedRole(expectedRole).labels(labels)
                .enforceGtidConsistency(enforceGtidConsistency).binlogRowImage(binlogRowImage)
                .gtidStrictMode(gtidStrictMode).gtidBinlogState(gtidBinlogState)
                .binlogDumpThreads(binlogDumpThreads).addresses(addresses).sequence(sequence).poller(poller)
                .missingPrivileges(missingPrivileges).deniedCapabilities(deniedCapabilities);
    }

    /** Builds a status field by field: the record has too many components to construct positionally. */
    public static final class Builder {
        private int schemaVersion = SCHEMA_VERSION;
        private String cluster;
        private String instance;
        private Instant observedAt;
        private long pollMillis;
        private boolean reachable;
        private PollError error;
        private String flavor;
        private String version;
        private Long serverId;
        private String serverUuid;
        private Boolean readOnly;
        private Boolean superReadOnly;
        private String gtidMode;
        private String gtidExecuted;
        private String binlogFormat;
        private Boolean logReplicaUpdates;
        private List<ChannelStatus> channels = List.of();
        private List<ReplicaHost> replicas = List.of();
        private Long heartbeatLagMillis;
        private String expectedRole;
        private Map<String, String> labels = Map.of();
        private String enforceGtidConsistency;
        private String binlogRowImage;
        private Boolean gtidStrictMode;
        private String gtidBinlogState;
        private Integer binlogDumpThreads;
        private List<String> addresses = List.of();
        private long sequence;
        private PollerIdentity poller;
        private List<String> missingPrivileges = List.of();
        private List<DeniedCapability> deniedCapabilities = List.of();

        private Builder() {
        }

        public Builder schemaVersion(int v) { schemaVersion = v; return this; }
        public Builder cluster(String v) { cluster = v; return this; }
        public Builder instance(String v) { instance = v; return this; }
        public Builder observedAt(Instant v) { observedAt = v; return this; }
        public Builder pollMillis(long v) { pollMillis = v; return this; }
        public Builder reachable(boolean v) { reachable = v; return this; }
        public Builder error(PollError v) { error = v; return this; }
        /** The error set so far ({@code null}: none), to route a poll before the status is numbered and built. */
        public PollError error() { return error; }
        public Builder flavor(String v) { flavor = v; return this; }
        public Builder version(String v) { version = v; return this; }
        public Builder serverId(Long v) { serverId = v; return this; }
        public Builder serverUuid(String v) { serverUuid = v; return this; }
        public Builder readOnly(Boolean v) { readOnly = v; return this; }
        public Builder superReadOnly(Boolean v) { superReadOnly = v; return this; }
        public Builder gtidMode(String v) { gtidMode = v; return this; }
        public Builder gtidExecuted(String v) { gtidExecuted = v; return this; }
        public Builder binlogFormat(String v) { binlogFormat = v; return this; }
        public Builder logReplicaUpdates(Boolean v) { logReplicaUpdates = v; return this; }
        public Builder channels(List<ChannelStatus> v) { channels = v; return this; }
        public Builder replicas(List<ReplicaHost> v) { replicas = v; return this; }
        public Builder heartbeatLagMillis(Long v) { heartbeatLagMillis = v; return this; }
        public Builder expectedRole(String v) { expectedRole = v; return this; }
        public Builder labels(Map<String, String> v) { labels = v; return this; }
        public Builder enforceGtidConsistency(String v) { enforceGtidConsistency = v; return this; }
        public Builder binlogRowImage(String v) { binlogRowImage = v; return this; }
        public Builder gtidStrictMode(Boolean v) { gtidStrictMode = v; return this; }
        public Builder gtidBinlogState(String v) { gtidBinlogState = v; return this; }
        public Builder binlogDumpThreads(Integer v) { binlogDumpThreads = v; return this; }
        public Builder addresses(List<String> v) { addresses = v; return this; }
        public Builder sequence(long v) { sequence = v; return this; }
        public Builder poller(PollerIdentity v) { poller = v; return this; }
        public Builder missingPrivileges(List<String> v) { missingPrivileges = v; return this; }
        public Builder deniedCapabilities(List<DeniedCapability> v) { deniedCapabilities = v; return this; }

        public ReplicationStatus build() {
            return new ReplicationStatus(schemaVersion, cluster, instance, observedAt, pollMillis, reachable, error,
                    flavor, version, serverId, serverUuid, readOnly, superReadOnly, gtidMode, gtidExecuted,
                    binlogFormat, logReplicaUpdates, channels, replicas, heartbeatLagMillis, expectedRole, labels,
                    enforceGtidConsistency, binlogRowImage, gtidStrictMode, gtidBinlogState, binlogDumpThreads,
                    addresses, sequence, poller, missingPrivileges, deniedCapabilities);
        }
    }
}
