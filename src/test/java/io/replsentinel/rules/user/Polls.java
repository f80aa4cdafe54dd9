package io.replsentinel.rules.user;

import io.replsentinel.event.ChannelStatus;
import io.replsentinel.event.PollError;
import io.replsentinel.event.ReplicationStatus;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Real-looking statuses for user-rule tests. */
final class Polls {

    static final String CLUSTER = "orders";
    static final Instant T0 = Instant.parse("2026-11-26T00:00:00Z");

    private Polls() {
    }

    /** A MySQL replica; {@code readOnly} may be null, as when the poller could not read it. */
    static ReplicationStatus mysqlReplica(String instance, Instant at, Boolean readOnly, ChannelStatus... channels) {
        return ReplicationStatus.builder(CLUSTER, instance).observedAt(at).pollMillis(3).reachable(true)
                .flavor("mysql").version("8.4.3").serverId(2L).serverUuid("uuid-2").readOnly(readOnly)
                .superReadOnly(readOnly).gtidMode("ON").gtidExecuted("uuid-1:1-7").binlogFormat("ROW")
                .logReplicaUpdates(true).channels(List.of(channels)).expectedRole("replica")
                .labels(Map.of("zone", "b")).build();
    }

    /** A MariaDB replica: no super_read_only, no gtid_mode, so those fields are null. */
    static ReplicationStatus mariadbReplica(String instance, Instant at, ChannelStatus... channels) {
        return ReplicationStatus.builder(CLUSTER, instance).observedAt(at).pollMillis(3).reachable(true)
                .flavor("mariadb").version("11.4.4").serverId(3L).readOnly(true).gtidExecuted("0-1-7")
                .binlogFormat("MIXED").logReplicaUpdates(true).channels(List.of(channels)).expectedRole("replica")
                .build();
    }

    static ReplicationStatus unreachable(String instance, Instant at) {
        return ReplicationStatus.builder(CLUSTER, instance).observedAt(at).pollMillis(3000).reachable(false)
                .error(new PollError("refused", 2003, "Connection refused")).expectedRole("replica").build();
    }

    static ChannelStatus running(String name, Long secondsBehindSource) {
        return new ChannelStatus(name, "10.0.0.11", 3306, 1L, "uuid-1", ChannelStatus.RUNNING, ChannelStatus.RUNNING,
                0, null, null, 0, null, null, null, secondsBehindSource, "uuid-1:1-7", "uuid-1:1-5", true);
    }

    /** An applier stopped on a duplicate key: MySQL reports no lag then. */
    static ChannelStatus sqlStopped(String name) {
        return new ChannelStatus(name, "10.0.0.11", 3306, 1L, "uuid-1", ChannelStatus.RUNNING, ChannelStatus.STOPPED,
                0, null, null, 1062, "Duplicate entry '100' for key 't.PRIMARY'", T0, null, null,
                "uuid-1:1-7", "uuid-1:1-5", true);
    }
}
