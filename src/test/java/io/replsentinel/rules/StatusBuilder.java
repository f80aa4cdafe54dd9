package io.replsentinel.rules;

import io.replsentinel.event.ChannelStatus;
import io.replsentinel.event.ReplicaHost;
import io.replsentinel.event.ReplicationStatus;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Builds a reachable instance's status for detector tests; defaults are a healthy MySQL primary. */
final class StatusBuilder {

    private final String instance;
    private Instant at = Instant.parse("2026-11-26T00:00:00Z");
    private String flavor = "mysql";
    private String version = "9.7.4";
    private Long serverId = 1L;
    private String serverUuid;
    private Boolean readOnly = false;
    private String gtidExecuted = "";
    private String gtidBinlogState;
    private String binlogFormat = "ROW";
    private String binlogRowImage = "FULL";
    private String expectedRole;
    private Long heartbeatLagMillis;
    private final List<ChannelStatus> channels = new ArrayList<>();
    private final List<ReplicaHost> replicas = new ArrayList<>();
    private Integer dumpThreads = 0;

    private StatusBuilder(String instance) {
        this.instance = instance;
        this.serverUuid = "uuid-" + instance;
    }

    static StatusBuilder instance(String instance) {
        return new StatusBuilder(instance);
    }

    StatusBuilder at(Instant t) { at = t; return this; }
    StatusBuilder mariadb(String v) { flavor = "mariadb"; version = v; serverUuid = null; return this; }
    StatusBuilder version(String v) { version = v; return this; }
    StatusBuilder serverId(long id) { serverId = id; return this; }
    StatusBuilder serverUuid(String u) { serverUuid = u; return this; }
    StatusBuilder readOnly(boolean ro) { readOnly = ro; return this; }
    StatusBuilder gtidExecuted(String g) { gtidExecuted = g; return this; }
    StatusBuilder gtidBinlogState(String g) { gtidBinlogState = g; return this; }
    StatusBuilder binlogRowImage(String v) { binlogRowImage = v; return this; }
    StatusBuilder expectedRole(String r) { expectedRole = r; return this; }
    StatusBuilder heartbeatLagMillis(long l) { heartbeatLagMillis = l; return this; }
    StatusBuilder dumpThreads(int n, ReplicaHost... listed) { dumpThreads = n; replicas.addAll(List.of(listed)); return this; }

    /** A running channel from {@code source} (host:port), its host resolving to 127.0.0.1. */
    StatusBuilder replicating(String source, Long lagSeconds) {
        return channel(source, "", lagSeconds, true);
    }

    StatusBuilder channel(String source, String name, Long lagSeconds, boolean resolvable) {
        String host = source.substring(0, source.lastIndexOf(':'));
        int port = Integer.parseInt(source.substring(source.lastIndexOf(':') + 1));
        channels.add(new ChannelStatus(name, host, port, null, null, ChannelStatus.RUNNING, ChannelStatus.RUNNING, 0,
                null, null, 0, null, null, null, lagSeconds, "", "", true, 0L,
                resolvable ? List.of("127.0.0.1") : List.of(), resolvable));
        readOnly = true;
        return this;
    }

    ReplicationStatus build() {
        boolean mysql = flavor.equals("mysql");
        return ReplicationStatus.builder(Statuses.CLUSTER, instance).observedAt(at).pollMillis(2).reachable(true)
                .flavor(flavor).version(version).serverId(serverId).serverUuid(serverUuid).readOnly(readOnly)
                .superReadOnly(readOnly).gtidMode(mysql ? "ON" : null).gtidExecuted(gtidExecuted)
                .binlogFormat(binlogFormat).logReplicaUpdates(true).channels(channels).replicas(replicas)
                .heartbeatLagMillis(heartbeatLagMillis).expectedRole(expectedRole)
                .enforceGtidConsistency(mysql ? "ON" : null).binlogRowImage(binlogRowImage)
                .gtidStrictMode(mysql ? null : true).gtidBinlogState(gtidBinlogState).binlogDumpThreads(dumpThreads)
                .addresses(List.of("127.0.0.1")).build();
    }
}
