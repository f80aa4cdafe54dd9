package io.replsentinel.poll;

/**
 * The statements that read replication state on one flavor and version. MySQL renamed its
 * statements in 8.0.22 (and dropped the old ones in 8.4); MariaDB has named connections.
 */
public enum Dialect {

    /** MySQL 8.0.26 and later: SHOW REPLICA STATUS and the REPLICA vocabulary throughout. */
    MYSQL("SHOW REPLICA STATUS", "SHOW REPLICAS",
            "SELECT @@global.server_id AS server_id, @@global.server_uuid AS server_uuid, @@global.read_only AS read_only,"
                    + " @@global.super_read_only AS super_read_only, @@global.gtid_mode AS gtid_mode,"
                    + " @@global.gtid_executed AS gtid_executed, @@global.binlog_format AS binlog_format,"
                    + " @@global.log_replica_updates AS log_replica_updates,"
                    + " @@global.enforce_gtid_consistency AS enforce_gtid_consistency, @@global.binlog_row_image AS binlog_row_image"),

    /** MySQL before 8.0.26: the SLAVE/MASTER vocabulary (SHOW SLAVE STATUS stays valid up to 8.0). */
    MYSQL_LEGACY("SHOW SLAVE STATUS", "SHOW SLAVE HOSTS",
            "SELECT @@global.server_id AS server_id, @@global.server_uuid AS server_uuid, @@global.read_only AS read_only,"
                    + " @@global.super_read_only AS super_read_only, @@global.gtid_mode AS gtid_mode,"
                    + " @@global.gtid_executed AS gtid_executed, @@global.binlog_format AS binlog_format,"
                    + " @@global.log_slave_updates AS log_replica_updates,"
                    + " @@global.enforce_gtid_consistency AS enforce_gtid_consistency, @@global.binlog_row_image AS binlog_row_image"),

    /** MariaDB 10.5.1 and later: every named connection, GTIDs as domain-server-seq. */
    MARIADB("SHOW ALL REPLICAS STATUS", "SHOW REPLICA HOSTS",
            "SELECT @@global.server_id AS server_id, NULL AS server_uuid, @@global.read_only AS read_only,"
                    + " NULL AS super_read_only, NULL AS gtid_mode,"
                    + " @@global.gtid_current_pos AS gtid_executed, @@global.binlog_format AS binlog_format,"
                    + " @@global.log_slave_updates AS log_replica_updates, @@global.binlog_row_image AS binlog_row_image,"
                    + " @@global.gtid_strict_mode AS gtid_strict_mode, @@global.gtid_binlog_state AS gtid_binlog_state"),

    /** MariaDB before 10.5.1. */
    MARIADB_LEGACY("SHOW ALL SLAVES STATUS", "SHOW SLAVE HOSTS",
            "SELECT @@global.server_id AS server_id, NULL AS server_uuid, @@global.read_only AS read_only,"
                    + " NULL AS super_read_only, NULL AS gtid_mode,"
                    + " @@global.gtid_current_pos AS gtid_executed, @@global.binlog_format AS binlog_format,"
                    + " @@global.log_slave_updates AS log_replica_updates, @@global.binlog_row_image AS binlog_row_image,"
                    + " @@global.gtid_strict_mode AS gtid_strict_mode, @@global.gtid_binlog_state AS gtid_binlog_state");

    private final String replicaStatusSql;
    private final String replicaHostsSql;
    private final String variablesSql;

    Dialect(String replicaStatusSql, String replicaHostsSql, String variablesSql) {
        this.replicaStatusSql = replicaStatusSql;
        this.replicaHostsSql = replicaHostsSql;
        this.variablesSql = variablesSql;
    }

    public static Dialect of(ServerVersion v) {
        if (v.mariadb()) {
            return v.atLeast(10, 5, 1) ? MARIADB : MARIADB_LEGACY;
        }
        return v.atLeast(8, 0, 26) ? MYSQL : MYSQL_LEGACY;
    }

    public String replicaStatusSql() {
        return replicaStatusSql;
    }

    public String replicaHostsSql() {
        return replicaHostsSql;
    }

    public String variablesSql() {
        return variablesSql;
    }

    /** MySQL keeps each applier worker's own error in performance_schema (5.7 and later). */
    public boolean hasWorkerErrorTable() {
        return this == MYSQL || this == MYSQL_LEGACY;
    }
}
