package io.replsentinel.remediation;

import java.util.List;
import java.util.Optional;

/**
 * One instance as the executor reads it on a fresh connection right before it acts: what the command
 * must still be true of, never the poll's possibly older view.
 *
 * @param gtidExecuted MySQL {@code gtid_executed}; MariaDB {@code gtid_binlog_pos}
 */
public record LiveInstance(String id, boolean mariadb, long serverId, boolean readOnly, String gtidExecuted,
                           List<Channel> channels) {

    /** One replication channel (MariaDB: named connection) as {@code SHOW REPLICA STATUS} shows it. */
    public record Channel(String name, String sourceHost, Integer sourcePort, String ioRunning, String sqlRunning,
                          int lastIoErrno, String lastIoError) {

        /** Both threads run: the replica is replicating. */
        public boolean healthy() {
            return "Yes".equalsIgnoreCase(ioRunning) && "Yes".equalsIgnoreCase(sqlRunning);
        }

        public boolean ioStopped() {
            return "No".equalsIgnoreCase(ioRunning);
        }

        public String source() {
            return sourceHost + ":" + sourcePort;
        }
    }

    /** The channel of that name ({@code ""} is the default channel); the only one when the name is null. */
    public Optional<Channel> channel(String name) {
        if (name == null) {
            return channels.size() == 1 ? Optional.of(channels.get(0)) : Optional.empty();
        }
        return channels.stream().filter(c -> name.equals(c.name())).findFirst();
    }

    /** A replica: it has at least one replication channel. */
    public boolean replica() {
        return !channels.isEmpty();
    }

    /** Replicating on every channel. */
    public boolean healthyReplica() {
        return replica() && channels.stream().allMatch(Channel::healthy);
    }
}
