package io.replsentinel.remediation;

/**
 * The closed set of remediation commands (contract section 5), each with its default safety and
 * the record its {@code params} are read into.
 */
public enum CommandType {
    /** IO thread stopped on a transient network error. */
    START_REPLICA_IO_THREAD(Safety.auto, StartReplicaIoThreadParams.class),
    /** IO thread stuck connecting after the source came back. */
    RESTART_REPLICA(Safety.approval, RestartReplicaParams.class),
    /** server_id collision: a new id from the allocator. */
    SET_SERVER_ID(Safety.approval, SetServerIdParams.class),
    /** Replica points at the wrong source: point it at the cluster's primary. */
    REPOINT_REPLICA(Safety.approval, RepointReplicaParams.class),
    /**
     * Errant GTIDs: empty transactions on the source for each of them. MySQL only: MariaDB writes no
     * binlog event for an empty transaction, so there is no equivalent (see docs/runbooks.md).
     */
    INJECT_EMPTY_TRANSACTIONS(Safety.approval, InjectEmptyTransactionsParams.class),
    /** SQL thread stopped on one bad transaction; never automatic. */
    SKIP_TRANSACTION(Safety.manual, SkipTransactionParams.class),
    /** Data divergence in a known key range: bring the replica's rows to the source's. */
    RESYNC_ROWS(Safety.manual, ResyncRowsParams.class),
    /** Divergence or purged logs beyond repair: re-clone the replica, as a runbook. */
    REBUILD_REPLICA(Safety.manual, RebuildReplicaParams.class);

    private final Safety defaultSafety;
    private final Class<? extends CommandParams> paramsType;

    CommandType(Safety defaultSafety, Class<? extends CommandParams> paramsType) {
        this.defaultSafety = defaultSafety;
        this.paramsType = paramsType;
    }

    public Safety defaultSafety() {
        return defaultSafety;
    }

    /** The record a command of this type carries as {@code params}. */
    public Class<? extends CommandParams> paramsType() {
        return paramsType;
    }
}
