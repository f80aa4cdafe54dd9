package io.replsentinel.poll;

/**
 * An optional statement of the poll, named after what it feeds. A denied one is switched off for
 * its instance while every other keeps running; replica status itself is not one of these: without
 * it the poller cannot tell a replica from a primary, so its denial makes the instance unreachable.
 */
enum Capability {

    /** SHOW REPLICAS / SHOW REPLICA HOSTS. */
    REPLICA_HOSTS("replica_hosts",
            "the source's own list of its replicas: ServerIdCollision between replicas (MySQL shows one row for two)"
                    + " and the replicas' evidence on the source",
            "REPLICATION SLAVE", "REPLICATION MASTER ADMIN", "*.*"),

    /** performance_schema.replication_applier_status_by_worker (MySQL). */
    APPLIER_WORKER_ERRORS("applier_worker_errors",
            "the applier worker's own error (the table and the key) on MySQL: ReplicationSqlThreadStopped then"
                    + " shows only 'Coordinator stopped because there were error(s) in the worker(s)'",
            "SELECT", "SELECT", "performance_schema.*"),

    /** performance_schema.replication_connection_status (MySQL). */
    CONNECTION_ERROR_TIMES("connection_error_times",
            "when the receiver's last error happened (lastIoErrorAt) on MySQL",
            "SELECT", "SELECT", "performance_schema.*"),

    /** The heartbeat's own table ({@code sentinel.heartbeat.schema}), written on the primary, read on replicas. */
    HEARTBEAT("heartbeat",
            "true replication lag from the heartbeat: ReplicationLagHigh falls back to Seconds_Behind_Source, which"
                    + " reads 0 while the receiver is behind and NULL while it reconnects",
            "CREATE, INSERT, UPDATE, SELECT", "CREATE, INSERT, UPDATE, SELECT", null);

    private final String id;
    private final String lost;
    private final String mysqlPrivilege;
    private final String mariadbPrivilege;
    private final String on;

    Capability(String id, String lost, String mysqlPrivilege, String mariadbPrivilege, String on) {
        this.id = id;
        this.lost = lost;
        this.mysqlPrivilege = mysqlPrivilege;
        this.mariadbPrivilege = mariadbPrivilege;
        this.on = on;
    }

    /** The name in the status's {@code missingPrivileges}. */
    String id() {
        return id;
    }

    String lost() {
        return lost;
    }

    String privilege(boolean mariadb) {
        return mariadb ? mariadbPrivilege : mysqlPrivilege;
    }

    /**
     * The GRANT that gives the capability back to {@code account} ({@code 'user'@'host'});
     * {@code schema} is the heartbeat's, for the one capability whose objects are configured.
     */
    String grant(boolean mariadb, String account, String schema) {
        return "GRANT " + privilege(mariadb) + " ON " + (on == null ? schema + ".*" : on) + " TO " + account;
    }
}
