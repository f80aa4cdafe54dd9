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
        Map<String, String> labels) {

    public static final int SCHEMA_VERSION = 1;

    public ReplicationStatus {
        channels = channels == null ? List.of() : List.copyOf(channels);
        replicas = replicas == null ? List.of() : List.copyOf(replicas);
        labels = labels == null ? Map.of() : Map.copyOf(labels);
    }
}
