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
        return new ReplicationStatus(1, CLUSTER, instance, at, 3, true, null, "mysql", "9.7.4", 2L, "uuid-2",
                true, true, "ON", "", "ROW", true, List.of(channels), List.of(), null, "replica", Map.of("zone", "b"));
    }

    static ReplicationStatus unreachable(String instance, Instant at, String errorClass) {
        return new ReplicationStatus(1, CLUSTER, instance, at, 3000, false, new PollError(errorClass, null, "boom"),
                "mysql", "9.7.4", null, null, null, null, null, null, null, null, List.of(), List.of(), null, null, Map.of());
    }

    static ChannelStatus channel(String io, String sql, int ioErrno, String ioError, int sqlErrno, String sqlError) {
        return new ChannelStatus("", "10.0.0.11", 3306, 1L, "uuid-1", io, sql, ioErrno, ioError, null, sqlErrno,
                sqlError, null, null, sqlErrno == 0 ? 0L : null, "uuid-1:1-7", "uuid-1:1-5", true);
    }

    static ChannelStatus healthy() {
        return channel(ChannelStatus.RUNNING, ChannelStatus.RUNNING, 0, null, 0, null);
    }
}
