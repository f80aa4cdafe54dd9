package io.replsentinel.divergence;

import io.replsentinel.inventory.WatchedInstance;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Properties;

/**
 * The checker's own read-only connection to one server. The session is declared read only and
 * autocommit, so each statement is one consistent (MVCC) read that takes no lock; the account
 * needs only {@code SELECT} on the checked schemas. It is also where the flavors differ: which
 * variable holds the executed GTIDs and how a replica is asked to wait for them.
 */
final class ServerSession implements AutoCloseable {

    private final WatchedInstance instance;
    private final Connection connection;
    private final boolean mariadb;
    private final int queryTimeoutSeconds;

    private ServerSession(WatchedInstance instance, Connection connection, boolean mariadb, int queryTimeoutSeconds) {
        this.instance = instance;
        this.connection = connection;
        this.mariadb = mariadb;
        this.queryTimeoutSeconds = queryTimeoutSeconds;
    }

    static ServerSession open(WatchedInstance instance, String jdbcOptions, Duration connectTimeout,
                              Duration queryTimeout) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", instance.user());
        props.setProperty("password", instance.password().reveal());
        props.setProperty("connectTimeout", Long.toString(connectTimeout.toMillis()));
        // a fence wait or a big chunk may legitimately run a while; past this the socket is dropped
        props.setProperty("socketTimeout", Long.toString(queryTimeout.plusSeconds(10).toMillis()));
        props.setProperty("connectionAttributes", "program_name:repl-sentinel-divergence");
        String url = "jdbc:mysql://" + instance.host() + ":" + instance.port() + "/?" + jdbcOptions;
        Connection c = DriverManager.getConnection(url, props);
        try (Statement st = c.createStatement()) {
            c.setAutoCommit(true);
            c.setReadOnly(true);
            // the same bytes on both sides: UTC timestamps, utf8mb4 text
            st.execute("SET SESSION time_zone = '+00:00'");
            st.execute("SET NAMES utf8mb4");
            boolean maria;
            try (ResultSet rs = st.executeQuery("SELECT @@version")) {
                rs.next();
                maria = rs.getString(1).toLowerCase().contains("mariadb");
            }
            return new ServerSession(instance, c, maria, (int) Math.max(1, queryTimeout.toSeconds()));
        } catch (SQLException | RuntimeException e) {
            c.close();
            throw e;
        }
    }

    String id() {
        return instance.id();
    }

    WatchedInstance instance() {
        return instance;
    }

    boolean mariadb() {
        return mariadb;
    }


    /** The GTIDs this server has committed: MySQL {@code gtid_executed}, MariaDB {@code gtid_binlog_pos}. */
    String executedGtids() throws SQLException {
        return scalar(mariadb ? "SELECT @@global.gtid_binlog_pos" : "SELECT @@global.gtid_executed").orElse("");
    }

    /**
     * Waits, at most {@code timeout}, until this replica has applied {@code gtids}.
     *
     * @return true once applied, false on timeout
     */
    boolean awaitGtids(String gtids, Duration timeout) throws SQLException {
        if (gtids.isBlank()) {
            return true;
        }
        String sql = mariadb ? "SELECT MASTER_GTID_WAIT(?, ?)" : "SELECT WAIT_FOR_EXECUTED_GTID_SET(?, ?)";
        try (PreparedStatement ps = connection.prepareStatement(sql)) {
            ps.setQueryTimeout((int) timeout.toSeconds() + queryTimeoutSeconds);
            ps.setString(1, gtids.replace("\n", ""));
            ps.setDouble(2, timeout.toMillis() / 1000.0);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1) == 0;
            }
        }
    }

    /** The source's {@code Threads_running}. */
    long threadsRunning() throws SQLException {
        try (Statement st = connection.createStatement();
             ResultSet rs = st.executeQuery("SHOW GLOBAL STATUS LIKE 'Threads_running'")) {
            return rs.next() ? rs.getLong(2) : 0;
        }
    }

    /**
     * The largest {@code Seconds_Behind_Source} over this replica's channels; empty when replication
     * is not running on one of them (lag unknown, so no fence could be met either).
     */
    OptionalLong replicaLagSeconds() throws SQLException {
        String sql = mariadb ? "SHOW ALL REPLICAS STATUS" : "SHOW REPLICA STATUS";
        long max = -1;
        try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                String lag = rs.getString(mariadb ? "Seconds_Behind_Master" : "Seconds_Behind_Source");
                if (lag == null) {
                    return OptionalLong.empty();
                }
                max = Math.max(max, Long.parseLong(lag));
            }
        }
        return max < 0 ? OptionalLong.empty() : OptionalLong.of(max);
    }

    /**
     * Who applies this replica's replication now: the ids of its applier (SQL) threads, one per
     * channel, sorted; empty while none runs. A stopped and restarted applier is a new thread with a
     * new id, so two readings that differ say the applier stopped or started in between, even when
     * no reading fell while it was stopped. MySQL names the thread in {@code performance_schema.threads}
     * ({@code SELECT} on {@code performance_schema}, as the poller has), MariaDB in its process list
     * ({@code PROCESS}, as the poller has).
     */
    String applierThreads() throws SQLException {
        String sql = mariadb
                ? "SELECT ID FROM information_schema.PROCESSLIST WHERE COMMAND = 'Slave_SQL' ORDER BY ID"
                : "SELECT THREAD_ID FROM performance_schema.threads"
                        + " WHERE NAME IN ('thread/sql/replica_sql', 'thread/sql/slave_sql') ORDER BY THREAD_ID";
        StringBuilder ids = new StringBuilder();
        try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                ids.append(ids.isEmpty() ? "" : ",").append(rs.getString(1));
            }
        }
        return ids.toString();
    }

    ChunkSum checksum(ChunkSql sql, KeyRange range) throws SQLException {
        try (PreparedStatement ps = prepare(sql.checksum(range), ChunkSql.parameters(range));
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return new ChunkSum(rs.getLong(1), Long.parseUnsignedLong(rs.getString(2)));
        }
    }

    /** The smallest and largest key of a one-integer-column key (both null when the table is empty). */
    String[] keyBounds(ChunkSql sql) throws SQLException {
        try (PreparedStatement ps = prepare(sql.keyBounds(), List.of()); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return new String[] {rs.getString(1), rs.getString(2)};
        }
    }

    /** The next chunk of a single-column key: its checksum, and its last key (empty when no row is left). */
    record Head(ChunkSum sum, Optional<List<String>> last) {
    }

    Head head(ChunkSql sql, Optional<List<String>> lower, int rows) throws SQLException {
        KeyRange range = new KeyRange(lower, Optional.empty());
        List<String> params = ChunkSql.parameters(range);
        try (PreparedStatement ps = prepare(sql.head(range), params)) {
            ps.setInt(params.size() + 1, rows);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                ChunkSum sum = new ChunkSum(rs.getLong(1), Long.parseUnsignedLong(rs.getString(2)));
                return new Head(sum, Optional.ofNullable(rs.getString(3)).map(List::of));
            }
        }
    }

    /** The key of the {@code offset}-th row of the range, or empty past its end. */
    Optional<List<String>> keyAt(ChunkSql sql, TableShape shape, KeyRange range, long offset) throws SQLException {
        List<String> params = ChunkSql.parameters(range);
        try (PreparedStatement ps = prepare(sql.keyAt(range), params)) {
            ps.setLong(params.size() + 1, offset);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                List<String> key = new ArrayList<>();
                for (int i = 1; i <= shape.keyColumns().size(); i++) {
                    key.add(rs.getString(i));
                }
                return Optional.of(key);
            }
        }
    }

    /** Each row's key and hash in the range. */
    Map<List<String>, Long> rowHashes(ChunkSql sql, TableShape shape, KeyRange range) throws SQLException {
        Map<List<String>, Long> rows = new HashMap<>();
        int keys = shape.keyColumns().size();
        try (PreparedStatement ps = prepare(sql.rowHashes(range), ChunkSql.parameters(range));
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                List<String> key = new ArrayList<>(keys);
                for (int i = 1; i <= keys; i++) {
                    key.add(rs.getString(i));
                }
                rows.put(List.copyOf(key), Long.parseUnsignedLong(rs.getString(keys + 1)));
            }
        }
        return rows;
    }

    /** Runs a catalogue query with string parameters and returns its rows as column-label maps. */
    List<Map<String, String>> rows(String sql, String... params) throws SQLException {
        try (PreparedStatement ps = prepare(sql, List.of(params)); ResultSet rs = ps.executeQuery()) {
            List<Map<String, String>> out = new ArrayList<>();
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                Map<String, String> row = new HashMap<>();
                for (int i = 1; i <= n; i++) {
                    row.put(rs.getMetaData().getColumnLabel(i).toUpperCase(), rs.getString(i));
                }
                out.add(row);
            }
            return out;
        }
    }

    private Optional<String> scalar(String sql) throws SQLException {
        try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            return rs.next() ? Optional.ofNullable(rs.getString(1)) : Optional.empty();
        }
    }

    private PreparedStatement prepare(String sql, List<String> params) throws SQLException {
        PreparedStatement ps = connection.prepareStatement(sql);
        ps.setQueryTimeout(queryTimeoutSeconds);
        for (int i = 0; i < params.size(); i++) {
            ps.setString(i + 1, params.get(i));
        }
        return ps;
    }

    @Override
    public void close() {
        try {
            connection.close();
        } catch (SQLException ignored) {
            // the server may already be gone; nothing is pending on a read-only session
        }
    }

    @Override
    public String toString() {
        return instance.id();
    }
}
