package io.replsentinel.remediation;

/** The closed set of remediation commands (contract section 5), each with its default safety. */
public enum CommandType {
    /** IO thread stopped on a transient network error. */
    START_REPLICA_IO_THREAD(Safety.auto),
    /** IO thread stuck connecting after the source came back. */
    RESTART_REPLICA(Safety.approval),
    /** server_id collision: a new id from the allocator. */
    SET_SERVER_ID(Safety.approval),
    /** Replica points at the wrong source: point it at the cluster's primary. */
    REPOINT_REPLICA(Safety.approval),
    /** Errant GTIDs: empty transactions on the source for each of them. */
    INJECT_EMPTY_TRANSACTIONS(Safety.approval),
    /** SQL thread stopped on one bad transaction; never automatic. */
    SKIP_TRANSACTION(Safety.manual),
    /** Data divergence in a known key range: bring the replica's rows to the source's. */
    RESYNC_ROWS(Safety.manual),
    /** Divergence or purged logs beyond repair: re-clone the replica, as a runbook. */
    REBUILD_REPLICA(Safety.manual);

    private final Safety defaultSafety;

    CommandType(Safety defaultSafety) {
        this.defaultSafety = defaultSafety;
    }

    public Safety defaultSafety() {
        return defaultSafety;
    }
}
