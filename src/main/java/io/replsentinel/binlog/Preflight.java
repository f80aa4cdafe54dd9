package io.replsentinel.binlog;

import io.replsentinel.inventory.WatchedInstance;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;
import java.util.Properties;
import java.util.regex.Pattern;

/**
 * Reads, before a listener starts, what decides whether Debezium can stream the instance: the
 * flavor (it picks the connector), the binlog settings row images need, and on MySQL whether
 * tagged GTIDs are present (Debezium 3.5.0 cannot start once they are). Read-only statements.
 */
final class Preflight {

    /** {@code uuid:tag:1-5}: a tag is a letter-led word between the uuid and the intervals. */
    private static final Pattern TAGGED = Pattern.compile("[0-9a-fA-F-]{36}(:[0-9-]+)*:[A-Za-z_][A-Za-z0-9_]*");

    /** What the preflight learned: the flavor, or why the listener cannot start. */
    record Result(String flavor, Optional<ListenerDown> down) {
    }

    private Preflight() {
    }

    static Result check(WatchedInstance instance, String jdbcOptions, int connectTimeoutMillis) {
        try (Connection c = connect(instance, jdbcOptions, connectTimeoutMillis); Statement st = c.createStatement()) {
            String version;
            String comment;
            try (ResultSet rs = st.executeQuery("SELECT @@version, @@version_comment")) {
                rs.next();
                version = rs.getString(1);
                comment = rs.getString(2);
            }
            boolean mariadb = (version + " " + comment).toLowerCase().contains("mariadb");
            String flavor = mariadb ? "mariadb" : "mysql";
            return new Result(flavor, configProblem(st, mariadb, true));
        } catch (SQLException e) {
            return new Result(null, Optional.of(ListenerDown.classify(e.getMessage(), e)));
        }
    }

    /**
     * What makes a server's binlog unreadable for Debezium: no binlog, statements or partial row
     * images instead of full rows, or (MySQL) tagged GTIDs. {@code grants} also checks that the
     * account may dump the binlog.
     */
    private static Optional<ListenerDown> configProblem(Statement st, boolean mariadb, boolean grants) throws SQLException {
        String format;
        String rowImage;
        String logBin;
        try (ResultSet rs = st.executeQuery("SELECT @@log_bin, @@binlog_format, @@binlog_row_image")) {
            rs.next();
            logBin = rs.getString(1);
            format = rs.getString(2);
            rowImage = rs.getString(3);
        }
        if (!"1".equals(logBin) && !"ON".equalsIgnoreCase(logBin)) {
            return Optional.of(new ListenerDown(ListenerDown.UNSUPPORTED_CONFIG, "log_bin is OFF: the instance writes no binlog"));
        }
        if (!"ROW".equalsIgnoreCase(format)) {
            return Optional.of(new ListenerDown(ListenerDown.UNSUPPORTED_CONFIG, "binlog_format is " + format
                    + ", not ROW: the binlog holds statements, not the row images the listener reads"));
        }
        if (!"FULL".equalsIgnoreCase(rowImage)) {
            return Optional.of(new ListenerDown(ListenerDown.UNSUPPORTED_CONFIG, "binlog_row_image is " + rowImage
                    + ", not FULL: partial row images would give digests that differ between instances"));
        }
        if (grants) {
            Optional<ListenerDown> denied = replicationSlaveMissing(st);
            if (denied.isPresent()) {
                return denied;
            }
        }
        if (!mariadb) {
            try (ResultSet rs = st.executeQuery("SELECT @@gtid_executed")) {
                rs.next();
                String executed = rs.getString(1);
                if (tagged(executed)) {
                    return Optional.of(new ListenerDown(ListenerDown.TAGGED_GTIDS, "gtid_executed holds tagged GTIDs"
                            + " (MySQL 8.3+ gtid_next='AUTOMATIC:<tag>'), which Debezium 3.5.0 cannot read: it mislabels"
                            + " them while streaming and cannot start once they exist. The listener stays down;"
                            + " polling and every other detector go on. " + executed.replace("\n", "")));
                }
            }
        }
        return Optional.empty();
    }

    /** One binlog file of a server and its size in bytes, oldest first as SHOW BINARY LOGS lists them. */
    record LogFile(String name, long size) {
    }

    /** What a running listener's periodic check learned: a reason to stop, or the server's binlog files. */
    record Probe(Optional<ListenerDown> problem, java.util.List<LogFile> logs) {

        /**
         * Bytes between a reader at {@code file}/{@code position} and the end of the last file; empty
         * when the reader's file is no longer listed (purged, or not yet known).
         */
        Optional<Long> bytesBehind(String file, long position) {
            long behind = 0;
            boolean found = false;
            for (LogFile f : logs) {
                if (found) {
                    behind += f.size();
                } else if (f.name().equals(file)) {
                    found = true;
                    behind += Math.max(0, f.size() - position);
                }
            }
            return found ? Optional.of(behind) : Optional.empty();
        }
    }

    /**
     * A running listener's check: the settings it needs still hold and where the server's binlog
     * ends ({@code SHOW BINARY LOGS}: REPLICATION CLIENT on MySQL, BINLOG MONITOR on MariaDB, both
     * in the monitoring grants). Read-only; an unreachable server is left to the binlog client.
     */
    static Optional<Probe> probe(WatchedInstance instance, String jdbcOptions, int connectTimeoutMillis, String flavor) {
        try (Connection c = connect(instance, jdbcOptions, connectTimeoutMillis); Statement st = c.createStatement()) {
            Optional<ListenerDown> problem = configProblem(st, "mariadb".equals(flavor), false);
            java.util.List<LogFile> logs = new java.util.ArrayList<>();
            if (problem.isEmpty()) {
                try (ResultSet rs = st.executeQuery("SHOW BINARY LOGS")) {
                    while (rs.next()) {
                        logs.add(new LogFile(rs.getString(1), rs.getLong(2)));
                    }
                }
            }
            return Optional.of(new Probe(problem, logs));
        } catch (SQLException e) {
            return Optional.empty();
        }
    }

    /**
     * Whether the account can still dump the binlog: a listener whose connection dropped and does
     * not come back is either unreachable or was refused; this tells the two apart.
     */
    static Optional<ListenerDown> privileges(WatchedInstance instance, String jdbcOptions, int connectTimeoutMillis) {
        try (Connection c = connect(instance, jdbcOptions, connectTimeoutMillis); Statement st = c.createStatement()) {
            return replicationSlaveMissing(st);
        } catch (SQLException e) {
            return Optional.of(ListenerDown.classify(e.getMessage(), e));
        }
    }

    /** The account's own grants (roles aside) lack REPLICATION SLAVE, which the binlog dump needs. */
    private static Optional<ListenerDown> replicationSlaveMissing(Statement st) throws SQLException {
        StringBuilder grants = new StringBuilder();
        try (ResultSet rs = st.executeQuery("SHOW GRANTS")) {
            while (rs.next()) {
                String g = rs.getString(1);
                if (g.startsWith("GRANT ") && g.contains(" ON *.* ")) {
                    String privs = g.substring(6, g.indexOf(" ON *.* "));
                    if (privs.contains("REPLICATION SLAVE") || privs.contains("ALL PRIVILEGES")) {
                        return Optional.empty();
                    }
                    grants.append(g.replaceAll("IDENTIFIED BY .*", ""));
                }
            }
        }
        return Optional.of(new ListenerDown(ListenerDown.PRIVILEGES, "the account lacks REPLICATION SLAVE ON *.*, which"
                + " the binlog dump needs; its global grants: " + grants));
    }

    /** A short read-only session as the monitoring account, bounded by the timeout. */
    private static Connection connect(WatchedInstance instance, String jdbcOptions, int connectTimeoutMillis) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", instance.user());
        props.setProperty("password", instance.password().reveal());
        props.setProperty("connectTimeout", Integer.toString(connectTimeoutMillis));
        props.setProperty("socketTimeout", Integer.toString(connectTimeoutMillis * 2));
        return DriverManager.getConnection("jdbc:mysql://" + instance.host() + ":" + instance.port() + "/?" + jdbcOptions, props);
    }

    /** Whether a MySQL GTID set holds a tagged GTID ({@code uuid:tag:n}). */
    static boolean tagged(String gtidSet) {
        return gtidSet != null && TAGGED.matcher(gtidSet.replace("\n", "")).find();
    }

}
