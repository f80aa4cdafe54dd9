package io.replsentinel.remediation;

import io.replsentinel.inventory.SentinelConfig;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * One fresh connection of the remediation account to one server: it re-reads the instance and runs
 * a command's statements. A new connection per attempt, never a pooled one, so the read is the
 * server's state now and a statement's session variables ({@code GTID_NEXT}) die with it. TLS and
 * RSA-key retrieval follow {@code sentinel.poll.tls} and {@code sentinel.poll.allow-public-key-retrieval},
 * like the monitoring connections.
 */
final class RemediationSession implements AutoCloseable {

    private final String id;
    private final Connection connection;
    private final int statementTimeoutSeconds;

    private RemediationSession(String id, Connection connection, int statementTimeoutSeconds) {
        this.id = id;
        this.connection = connection;
        this.statementTimeoutSeconds = statementTimeoutSeconds;
    }

    static RemediationSession open(String instanceId, RemediationAccounts.Account account, SentinelConfig.Poll poll,
                                   ExecutorConnectionConfig timeouts) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", account.user());
        props.setProperty("password", account.password().reveal());
        props.setProperty("connectTimeout", Long.toString(timeouts.connectTimeout().toMillis()));
        props.setProperty("socketTimeout", Long.toString(timeouts.statementTimeout().plusSeconds(5).toMillis()));
        props.setProperty("connectionAttributes", "program_name:repl-sentinel-remediation");
        props.setProperty("sslMode", poll.tls().mode().name());
        props.setProperty("allowPublicKeyRetrieval", Boolean.toString(poll.allowPublicKeyRetrieval()));
        // one statement per call, exactly as the command shows it for review
        props.setProperty("allowMultiQueries", "false");
        Connection c = DriverManager.getConnection("jdbc:mysql://" + instanceId + "/?" + poll.jdbcOptions(), props);
        return new RemediationSession(instanceId, c, (int) Math.max(1, timeouts.statementTimeout().toSeconds()));
    }

    String id() {
        return id;
    }

    /** The instance as it is now. */
    LiveInstance read() throws SQLException {
        boolean mariadb = scalar("SELECT @@version").toLowerCase().contains("mariadb");
        long serverId = Long.parseLong(scalar("SELECT @@GLOBAL.server_id"));
        boolean readOnly = "1".equals(scalar("SELECT @@GLOBAL.read_only"));
        String gtids = scalar(mariadb ? "SELECT @@GLOBAL.gtid_binlog_pos" : "SELECT @@GLOBAL.gtid_executed");
        List<LiveInstance.Channel> channels = new ArrayList<>();
        try (Statement st = statement(); ResultSet rs = st.executeQuery(mariadb ? "SHOW ALL SLAVES STATUS" : "SHOW REPLICA STATUS")) {
            while (rs.next()) {
                String p = mariadb ? "Master_" : "Source_";
                String r = mariadb ? "Slave_" : "Replica_";
                int port = rs.getInt(p + "Port");
                Integer sourcePort = rs.wasNull() ? null : port;
                channels.add(new LiveInstance.Channel(rs.getString(mariadb ? "Connection_name" : "Channel_Name"),
                        rs.getString(p + "Host"), sourcePort, rs.getString(r + "IO_Running"),
                        rs.getString(r + "SQL_Running"), rs.getInt("Last_IO_Errno"), rs.getString("Last_IO_Error")));
            }
        }
        return new LiveInstance(id, mariadb, serverId, readOnly, gtids == null ? "" : gtids.replace("\n", ""), channels);
    }

    /** First column of the first row; null when none. */
    String scalar(String sql) throws SQLException {
        try (Statement st = statement(); ResultSet rs = st.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    /** Runs one statement of a command, as written. */
    void execute(String sql) throws SQLException {
        try (Statement st = statement()) {
            st.execute(sql);
        }
    }

    private Statement statement() throws SQLException {
        Statement st = connection.createStatement();
        st.setQueryTimeout(statementTimeoutSeconds);
        return st;
    }

    @Override
    public void close() {
        try {
            connection.close();
        } catch (SQLException ignored) {
            // the attempt's outcome is already known; a failed close changes nothing on the server
        }
    }
}
