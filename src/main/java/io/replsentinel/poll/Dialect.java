package io.replsentinel.poll;

import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The statements that read replication state on one flavor and version. MySQL renamed its
 * statements in 8.0.22 (and dropped the old ones in 8.4); MariaDB has named connections.
 */
public enum Dialect {

    /** MySQL 8.0.26 and later: SHOW REPLICA STATUS and the REPLICA vocabulary throughout. */
    MYSQL("SHOW REPLICA STATUS", "SHOW REPLICAS"),

    /** MySQL before 8.0.26: the SLAVE/MASTER vocabulary (SHOW SLAVE STATUS stays valid up to 8.0). */
    MYSQL_LEGACY("SHOW SLAVE STATUS", "SHOW SLAVE HOSTS"),

    /** MariaDB 10.5.1 and later: every named connection, GTIDs as domain-server-seq. */
    MARIADB("SHOW ALL REPLICAS STATUS", "SHOW REPLICA HOSTS"),

    /** MariaDB before 10.5.1. */
    MARIADB_LEGACY("SHOW ALL SLAVES STATUS", "SHOW SLAVE HOSTS");

    /**
     * One column of the variables statement: its name in the row, and the expression that reads it
     * on MySQL 8.0.26+, older MySQL and MariaDB (null: the flavor has no such setting, the column is
     * left out and reads as absent). Always {@code @@global.}: a session copies binlog_format,
     * binlog_row_image (and on MariaDB server_id) once, at login, and the connection is kept.
     */
    private record Column(String name, String mysql, String mysqlLegacy, String mariadb) {
        static Column same(String variable) {
            return new Column(variable, "@@global." + variable, "@@global." + variable, "@@global." + variable);
        }

        static Column mysqlOnly(String variable) {
            return new Column(variable, "@@global." + variable, "@@global." + variable, null);
        }

        static Column mariadbOnly(String variable) {
            return new Column(variable, null, null, "@@global." + variable);
        }

        String expression(Dialect d) {
            return switch (d) {
                case MYSQL -> mysql;
                case MYSQL_LEGACY -> mysqlLegacy;
                case MARIADB, MARIADB_LEGACY -> mariadb;
            };
        }
    }

    private static final String DUMP_THREADS =
            "(SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE COMMAND LIKE 'Binlog Dump%')";

    /**
     * Everything a poll reads outside SHOW REPLICA STATUS, in one round trip: the settings and
     * positions the detectors compare. Variables cost the server nothing to read, so all are read on
     * every poll and a change is seen within one interval.
     */
    private static final List<Column> VARIABLES = List.of(
            Column.same("server_id"),
            Column.mysqlOnly("server_uuid"),
            Column.same("read_only"),
            Column.mysqlOnly("super_read_only"),
            Column.mysqlOnly("gtid_mode"),
            new Column("gtid_executed", "@@global.gtid_executed", "@@global.gtid_executed", "@@global.gtid_current_pos"),
            Column.same("binlog_format"),
            new Column("log_replica_updates", "@@global.log_replica_updates", "@@global.log_slave_updates",
                    "@@global.log_slave_updates"),
            Column.mysqlOnly("enforce_gtid_consistency"),
            Column.same("binlog_row_image"),
            Column.mariadbOnly("gtid_strict_mode"),
            Column.mariadbOnly("gtid_binlog_state"));

    /**
     * The Binlog Dump threads (replicas and other binlog readers streaming from this server now;
     * PROCESS lets the account see them all). Unlike the variables, the processlist costs the server
     * a walk over every connection under its thread-list lock (some 0.8-1 ms of its CPU with 300
     * connections, against 0.05-0.08 ms for the variables), so a poll reads it only every
     * {@code sentinel.poll.dump-thread-interval}.
     */
    private static final Column DUMP_THREAD_COUNT = new Column("dump_threads", DUMP_THREADS, DUMP_THREADS, DUMP_THREADS);

    /** Each dialect's variables statement, by ordinal, without and with the dump thread count: built once. */
    private static final String[] VARIABLES_SQL = variablesSql(List.of());
    private static final String[] VARIABLES_AND_DUMP_THREADS_SQL = variablesSql(List.of(DUMP_THREAD_COUNT));

    private static String[] variablesSql(List<Column> extra) {
        return Arrays.stream(values())
                .map(d -> java.util.stream.Stream.concat(VARIABLES.stream(), extra.stream())
                        .filter(c -> c.expression(d) != null)
                        .map(c -> c.expression(d) + " AS " + c.name())
                        .collect(Collectors.joining(", ", "SELECT ", "")))
                .toArray(String[]::new);
    }

    private final String replicaStatusSql;
    private final String replicaHostsSql;

    Dialect(String replicaStatusSql, String replicaHostsSql) {
        this.replicaStatusSql = replicaStatusSql;
        this.replicaHostsSql = replicaHostsSql;
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

    /**
     * One SELECT of every column of {@link #VARIABLES} this flavor has, each named as the poller reads
     * it, and with {@code dumpThreads} the count of Binlog Dump threads as {@code dump_threads}.
     */
    public String variablesSql(boolean dumpThreads) {
        return (dumpThreads ? VARIABLES_AND_DUMP_THREADS_SQL : VARIABLES_SQL)[ordinal()];
    }

    /** MySQL keeps each applier worker's own error in performance_schema (5.7 and later). */
    public boolean hasWorkerErrorTable() {
        return this == MYSQL || this == MYSQL_LEGACY;
    }
}
