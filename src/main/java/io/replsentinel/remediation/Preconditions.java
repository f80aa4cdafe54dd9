package io.replsentinel.remediation;

import io.replsentinel.rules.IoErrorCause;

import java.sql.SQLException;
import java.util.Optional;

/**
 * Whether what a command fixes is still broken, on the live instances right before it runs
 * (vtorc's {@code checkIfAlreadyFixed}): the alert may not have resolved yet while the servers are
 * already fine (repaired by hand, healed by themselves), and a command run on a condition that
 * cleared does harm of its own. One check per type; each says why the condition no longer holds,
 * which the command then carries as {@code expired}.
 */
final class Preconditions {

    private Preconditions() {
    }

    /** Why the command's condition no longer holds; empty while it does. */
    static Optional<String> cleared(RemediationCommand c, LiveReads live) throws SQLException {
        return switch (c.type()) {
            case START_REPLICA_IO_THREAD -> ioStopped(c, live, (StartReplicaIoThreadParams) c.params());
            case RESTART_REPLICA -> ioConnecting(c, live, (RestartReplicaParams) c.params());
            case SET_SERVER_ID -> idShared(c, live, (SetServerIdParams) c.params());
            case REPOINT_REPLICA -> wrongSource(c, live, (RepointReplicaParams) c.params());
            case INJECT_EMPTY_TRANSACTIONS -> errantStill(live, (InjectEmptyTransactionsParams) c.params());
            // never run by the service: nothing to re-check
            case SKIP_TRANSACTION, RESYNC_ROWS, REBUILD_REPLICA -> Optional.of(c.type() + " is run by an operator, never by the service");
        };
    }

    private static Optional<String> ioStopped(RemediationCommand c, LiveReads live, StartReplicaIoThreadParams p) throws SQLException {
        Optional<LiveInstance.Channel> ch = live.instance(c.instance()).channel(p.channel());
        if (ch.isEmpty()) {
            return Optional.of(c.instance() + " has no replication channel '" + p.channel() + "' any more");
        }
        if (!ch.get().ioStopped()) {
            return Optional.of("the IO thread of channel '" + p.channel() + "' on " + c.instance() + " is "
                    + ch.get().ioRunning() + " again");
        }
        String cause = IoErrorCause.of(ch.get().lastIoErrno(), ch.get().lastIoError());
        if (!IoErrorCause.NETWORK.equals(cause)) {
            return Optional.of("the IO thread of channel '" + p.channel() + "' on " + c.instance() + " stopped on error "
                    + ch.get().lastIoErrno() + " (" + cause + "), not a network error a restart heals");
        }
        return Optional.empty();
    }

    private static Optional<String> ioConnecting(RemediationCommand c, LiveReads live, RestartReplicaParams p) throws SQLException {
        Optional<LiveInstance.Channel> ch = live.instance(c.instance()).channel(p.channel());
        if (ch.isEmpty()) {
            return Optional.of(c.instance() + " has no replication channel '" + p.channel() + "' any more");
        }
        if (!"Connecting".equalsIgnoreCase(ch.get().ioRunning())) {
            return Optional.of("the IO thread of channel '" + p.channel() + "' on " + c.instance() + " is "
                    + ch.get().ioRunning() + ", no longer connecting");
        }
        return Optional.empty();
    }

    private static Optional<String> idShared(RemediationCommand c, LiveReads live, SetServerIdParams p) throws SQLException {
        long now = live.instance(c.instance()).serverId();
        if (now != p.currentServerId()) {
            return Optional.of(c.instance() + " has server_id " + now + " now, not " + p.currentServerId());
        }
        boolean stillShared = false;
        for (String other : p.sharedWith()) {
            try {
                long id = live.instance(other).serverId();
                stillShared |= id == p.currentServerId();
                if (id == p.newServerId()) {
                    return Optional.of("the new server_id " + p.newServerId() + " is taken by " + other + " now");
                }
            } catch (SQLException unreachable) {
                // an instance that does not answer cannot be shown to have moved off the id: it still counts
                stillShared = true;
            }
        }
        return stillShared ? Optional.empty()
                : Optional.of("no other instance has server_id " + p.currentServerId() + " any more (" + p.sharedWith() + ")");
    }

    private static Optional<String> wrongSource(RemediationCommand c, LiveReads live, RepointReplicaParams p) throws SQLException {
        Optional<LiveInstance.Channel> ch = live.instance(c.instance()).channel(p.channel());
        if (ch.isEmpty()) {
            return Optional.of(c.instance() + " has no replication channel '" + p.channel() + "' any more");
        }
        if (!ch.get().source().equals(p.fromHost() + ":" + p.fromPort())) {
            return Optional.of("channel '" + p.channel() + "' of " + c.instance() + " replicates from " + ch.get().source()
                    + " now, not " + p.fromHost() + ":" + p.fromPort());
        }
        LiveInstance target = live.instance(p.toInstance());
        if (target.replica()) {
            return Optional.of(p.toInstance() + " is no longer a primary: it replicates from "
                    + target.channels().stream().map(LiveInstance.Channel::source).toList());
        }
        return Optional.empty();
    }

    private static Optional<String> errantStill(LiveReads live, InjectEmptyTransactionsParams p) throws SQLException {
        String set = String.join(",", p.gtids());
        // GTIDs the params validated as uuid:number only, so the set can be quoted as it is
        String missingOnSource = live.session(p.source()).scalar("SELECT GTID_SUBTRACT('" + set + "', @@GLOBAL.gtid_executed)");
        if (missingOnSource == null || missingOnSource.isBlank()) {
            return Optional.of("the source " + p.source() + " has executed " + set + " already");
        }
        String onReplica = live.session(p.replica()).scalar("SELECT GTID_SUBSET('" + set + "', @@GLOBAL.gtid_executed)");
        if (!"1".equals(onReplica)) {
            return Optional.of("the replica " + p.replica() + " no longer has executed all of " + set);
        }
        return Optional.empty();
    }
}
