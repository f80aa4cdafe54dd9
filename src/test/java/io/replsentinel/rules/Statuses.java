package io.replsentinel.rules;

import io.replsentinel.event.ChannelStatus;
import io.replsentinel.event.PollError;
import io.replsentinel.event.ReplicationStatus;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Builds statuses for rule tests. */
final class Statuses {

    static final String CLUSTER = "orders";

    private Statuses() {
    }

    static ReplicationStatus replica(String instance, Instant at, ChannelStatus... channels) {
        return ReplicationStatus.builder(CLUSTER, instance).observedAt(at).pollMillis(3).reachable(true).flavor("mysql")
                .version("9.7.4").serverId(2L).serverUuid("uuid-2").readOnly(true).superReadOnly(true).gtidMode("ON")
                .gtidExecuted("").binlogFormat("ROW").logReplicaUpdates(true).channels(List.of(channels))
                .expectedRole("replica").labels(Map.of("zone", "b")).build();
    }

    static ReplicationStatus unreachable(String instance, Instant at, String errorClass) {
        return ReplicationStatus.builder(CLUSTER, instance).observedAt(at).pollMillis(3000).reachable(false)
                .error(new PollError(errorClass, null, "boom")).flavor("mysql").version("9.7.4").build();
    }

    static ChannelStatus channel(String io, String sql, int ioErrno, String ioError, int sqlErrno, String sqlError) {
        return new ChannelStatus("", "10.0.0.11", 3306, 1L, "uuid-1", io, sql, ioErrno, ioError, null, sqlErrno,
                sqlError, null, null, sqlErrno == 0 ? 0L : null, "uuid-1:1-7", "uuid-1:1-5", true);
    }

    static ChannelStatus healthy() {
        return channel(ChannelStatus.RUNNING, ChannelStatus.RUNNING, 0, null, 0, null);
    }
}
