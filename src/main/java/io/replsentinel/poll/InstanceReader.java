package io.replsentinel.poll;

import io.replsentinel.event.ChannelStatus;
import io.replsentinel.event.DeniedCapability;
import io.replsentinel.event.ReplicaHost;

import com.mysql.cj.conf.PropertyKey;
import com.mysql.cj.jdbc.JdbcConnection;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Runs one flavor's statements on one open monitoring connection and assembles what they say.
 * Replica status and the variables are needed: their failure propagates, so a denied replica
 * status surfaces as an error and never reads as "not a replica". Each other statement is a
 * {@link Capability}: once denied on this connection it is skipped (privileges are read at login,
 * so asking again on the same connection cannot succeed) and reported in {@link #denied()}.
 *
 * <p>One reader serves one connection, so it keeps each statement prepared (client-side: the
 * driver parses the text once, not on every poll). Each statement's column index is shared by
 * every reader (the statements are this class's and {@link Dialect}'s constants, so the shapes are
 * few): a kept connection holds no copy of its sixty column names. MySQL's two
 * performance_schema error tables add to a status only when a channel reports an error, so they
 * are read on the first poll of a connection (which tells whether they are granted) and then only
 * while a channel's {@code Last_SQL_Errno} or {@code Last_IO_Errno} is set.
 */
final class InstanceReader {

    private static final String WORKER_ERRORS =
            "SELECT CHANNEL_NAME, LAST_ERROR_NUMBER, LAST_ERROR_MESSAGE, LAST_ERROR_TIMESTAMP"
                    + " FROM performance_schema.replication_applier_status_by_worker"
                    + " WHERE LAST_ERROR_NUMBER <> 0 ORDER BY LAST_ERROR_TIMESTAMP DESC";
    private static final String CONNECTION_ERRORS =
            "SELECT CHANNEL_NAME, LAST_ERROR_TIMESTAMP FROM performance_schema.replication_connection_status"
                    + " WHERE LAST_ERROR_NUMBER <> 0";
    /** Column indexes by statement text, shared by all readers; a statement has one shape per server version. */
    private static final Map<String, List<Row.Columns>> SHAPES = new ConcurrentHashMap<>();
    /** One poll's statements, in the order {@link #read} takes their results, and their text as one query. */
    private record Batch(List<String> statements, String sql) {
        Batch(List<String> statements) {
            this(statements, String.join("; ", statements));
        }
    }

    /**
     * Each dialect's batch (by ordinal), by {@link #variant}: with or without the dump thread count,
     * with SHOW REPLICAS or without it once it was denied on a connection.
     */
    private static final List<List<Batch>> BATCHES = Arrays.stream(Dialect.values())
            .map(d -> java.util.stream.IntStream.range(0, 4).mapToObj(v -> {
                boolean dumpThreads = (v & 1) != 0;
                boolean hosts = (v & 2) == 0;
                return new Batch(hosts ? List.of(d.variablesSql(dumpThreads), d.replicaStatusSql(), d.replicaHostsSql())
                        : List.of(d.variablesSql(dumpThreads), d.replicaStatusSql()));
            }).toList()).toList();

    private static int variant(boolean dumpThreads, boolean hosts) {
        return (dumpThreads ? 1 : 0) | (hosts ? 0 : 2);
    }

    private static final DateTimeFormatter PS_TIMESTAMP =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss[.SSSSSS]");

    private final Dialect dialect;
    private final boolean mariadb;
    private final String account;
    private final Map<Capability, DeniedCapability> denied = new EnumMap<>(Capability.class);
    private final Map<String, PreparedStatement> statements = new HashMap<>();
    private boolean errorTablesRead;
    /** Whether this connection takes several statements in one query; read from it once. */
    private Boolean multiQueries;

    /** @param account the monitoring account as the server sees it ({@code 'user'@'host'}), for the GRANT to suggest */
    InstanceReader(Dialect dialect, String account) {
        this.dialect = dialect;
        this.mariadb = dialect == Dialect.MARIADB || dialect == Dialect.MARIADB_LEGACY;
        this.account = account;
    }

    /** The capabilities denied on this connection so far, in declaration order. */
    List<DeniedCapability> denied() {
        return List.copyOf(denied.values());
    }

    /** What every poll reads: the variables row, the replication channels and the replicas this server sees. */
    record Reading(Row variables, List<ChannelStatus> channels, List<ReplicaHost> replicas) {
    }

    /**
     * The variables, SHOW REPLICA STATUS and SHOW REPLICAS. On a connection that allows several
     * statements per query (the service's own, {@code allowMultiQueries}) they go in one round trip:
     * a poll then costs one request and one wake-up on either side where it cost three. A privilege
     * error there does not say which statement the server refused (Connector/J drops the earlier
     * results when a later statement fails), so that poll asks one statement at a time, which
     * denies the optional one or fails on a required one exactly as before; once SHOW REPLICAS is
     * denied, the round trip leaves it out. With {@code dumpThreads} the variables row also counts
     * the Binlog Dump threads ({@code dump_threads}).
     */
    Reading read(Connection c, boolean dumpThreads) throws SQLException {
        List<List<Row>> results = batched(c) ? batch(c, dumpThreads) : null;
        Row variables;
        List<Row> statusRows;
        List<Row> hostRows;
        if (results != null) {
            variables = first(results.get(0));
            statusRows = results.get(1);
            hostRows = results.size() > 2 ? results.get(2) : List.of();
        } else {
            variables = first(dumpThreads ? once(c, dialect.variablesSql(true)) : query(c, dialect.variablesSql(false)));
            statusRows = query(c, dialect.replicaStatusSql());
            hostRows = optional(c, Capability.REPLICA_HOSTS, dialect.replicaHostsSql());
        }
        return new Reading(variables, channels(c, statusRows), replicas(hostRows));
    }

    private boolean batched(Connection c) throws SQLException {
        if (multiQueries == null) {
            multiQueries = c.isWrapperFor(JdbcConnection.class) && c.unwrap(JdbcConnection.class).getPropertySet()
                    .getBooleanProperty(PropertyKey.allowMultiQueries).getValue();
        }
        return multiQueries;
    }

    /** The results of the batched statements in order, or null when a privilege error asks for them one by one. */
    private List<List<Row>> batch(Connection c, boolean dumpThreads) throws SQLException {
        Batch batch = BATCHES.get(dialect.ordinal())
                .get(variant(dumpThreads, !denied.containsKey(Capability.REPLICA_HOSTS)));
        // the batch that counts the dump threads runs once an interval: prepared for that poll only, so
        // that a kept connection holds one parsed batch, not two
        PreparedStatement ps = dumpThreads ? c.prepareStatement(batch.sql()) : prepared(c, batch.sql());
        List<List<Row>> results = new ArrayList<>(batch.statements().size());
        try {
            boolean resultSet = ps.execute();
            for (String statement : batch.statements()) {
                if (!resultSet) {
                    throw new SQLException("no result set for " + statement + " in " + batch.sql());
                }
                try (ResultSet rs = ps.getResultSet()) {
                    results.add(Row.all(rs, shapes(statement)));
                }
                resultSet = ps.getMoreResults();
            }
        } catch (SQLException e) {
            if (!PollErrors.isPrivilegeError(e)) {
                throw e;
            }
            return null;
        } finally {
            if (dumpThreads) {
                ps.close();
            }
        }
        return results;
    }

    private static Row first(List<Row> rows) {
        return rows.isEmpty() ? new Row(Map.of()) : rows.get(0);
    }

    private List<ChannelStatus> channels(Connection c, List<Row> rows) throws SQLException {
        List<ChannelStatus> channels = new ArrayList<>(rows.size());
        for (Row row : rows) {
            channels.add(ReplicaStatusParser.parse(row));
        }
        if (dialect.hasWorkerErrorTable() && !channels.isEmpty()) {
            channels = withWorkerErrors(c, channels);
        }
        return channels;
    }

    private static List<ReplicaHost> replicas(List<Row> rows) {
        List<ReplicaHost> hosts = new ArrayList<>(rows.size());
        for (Row row : rows) {
            Long port = row.number("Port");
            hosts.add(new ReplicaHost(row.number("Server_Id", "Server_id"), row.nonEmpty("Host"),
                    port == null ? null : port.intValue(), row.nonEmpty("Replica_UUID", "Slave_UUID")));
        }
        return hosts;
    }

    /**
     * MySQL's multi-threaded applier reports only "Coordinator stopped because there were
     * error(s) in the worker(s)" in SHOW REPLICA STATUS; the worker's own message (the table, the
     * duplicate key) lives in performance_schema. Put that text first, keep the summary beside it.
     */
    private List<ChannelStatus> withWorkerErrors(Connection c, List<ChannelStatus> channels) throws SQLException {
        boolean sqlErrors = channels.stream().anyMatch(ch -> ch.lastSqlErrno() != 0);
        boolean ioErrors = channels.stream().anyMatch(ch -> ch.lastIoErrno() != 0);
        boolean first = !errorTablesRead;
        errorTablesRead = true;
        if (!first && !sqlErrors && !ioErrors) {
            return channels; // neither table's rows would change a field of this status
        }
        Map<String, Row> workerErrors = new HashMap<>();
        if (first || sqlErrors) {
            for (Row r : optional(c, Capability.APPLIER_WORKER_ERRORS, WORKER_ERRORS)) {
                workerErrors.putIfAbsent(nullToEmpty(r.text("CHANNEL_NAME")), r);
            }
        }
        Map<String, Instant> ioErrorTimes = new HashMap<>();
        if (first || ioErrors) {
            for (Row r : optional(c, Capability.CONNECTION_ERROR_TIMES, CONNECTION_ERRORS)) {
                ioErrorTimes.put(nullToEmpty(r.text("CHANNEL_NAME")), psTimestamp(r.text("LAST_ERROR_TIMESTAMP")));
            }
        }
        List<ChannelStatus> result = new ArrayList<>(channels.size());
        for (ChannelStatus ch : channels) {
            Row worker = workerErrors.get(ch.name());
            Instant ioAt = ioErrorTimes.getOrDefault(ch.name(), ch.lastIoErrorAt());
            String sqlError = ch.lastSqlError();
            String coordinator = null;
            Instant sqlAt = ch.lastSqlErrorAt();
            if (worker != null && ch.lastSqlErrno() != 0) {
                String workerMessage = worker.nonEmpty("LAST_ERROR_MESSAGE");
                if (workerMessage != null && !workerMessage.equals(sqlError)) {
                    coordinator = sqlError;
                    sqlError = workerMessage;
                }
                Instant at = psTimestamp(worker.text("LAST_ERROR_TIMESTAMP"));
                sqlAt = at != null ? at : sqlAt;
            }
            result.add(new ChannelStatus(ch.name(), ch.sourceHost(), ch.sourcePort(), ch.sourceServerId(),
                    ch.sourceUuid(), ch.ioState(), ch.sqlState(), ch.lastIoErrno(), ch.lastIoError(),
                    ch.lastIoErrno() == 0 ? null : ioAt, ch.lastSqlErrno(), sqlError, sqlAt, coordinator,
                    ch.secondsBehindSource(), ch.retrievedGtidSet(), ch.executedGtidSet(), ch.autoPosition(),
                    ch.sqlDelaySeconds(), ch.sourceAddresses(), ch.sourceResolvable()));
        }
        return result;
    }

    /** performance_schema timestamps, printed in the session's zone, which the poller sets to UTC. */
    static Instant psTimestamp(String text) {
        if (text == null || text.startsWith("0000-00-00")) {
            return null;
        }
        try {
            return LocalDateTime.parse(text.trim(), PS_TIMESTAMP).toInstant(ZoneOffset.UTC);
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }

    /**
     * Runs an optional statement: no rows when it was denied on this connection (now or before);
     * any other failure propagates, since it says something about the instance, not the grants.
     */
    private List<Row> optional(Connection c, Capability capability, String sql) throws SQLException {
        if (denied.containsKey(capability)) {
            return List.of();
        }
        try {
            return query(c, sql);
        } catch (SQLException e) {
            if (!PollErrors.isPrivilegeError(e)) {
                throw e;
            }
            deny(capability, sql, e, null);
            return List.of();
        }
    }

    /** True when {@code capability} was denied on this connection: asking again cannot succeed before a new login. */
    boolean isDenied(Capability capability) {
        return denied.containsKey(capability);
    }

    /** Records that the server refused {@code sql}, which feeds {@code capability}; {@code schema} as for {@link Capability#grant}. */
    void deny(Capability capability, String sql, SQLException e, String schema) {
        denied.putIfAbsent(capability, new DeniedCapability(capability.id(), capability.privilege(mariadb), sql,
                e.getErrorCode(), PollErrors.classify(e).message(), capability.lost(),
                capability.grant(mariadb, account, schema)));
    }

    /** {@code sql} prepared on this reader's connection, once: the driver parses a statement's text when it is prepared. */
    PreparedStatement prepared(Connection c, String sql) throws SQLException {
        PreparedStatement ps = statements.get(sql);
        if (ps == null) {
            ps = c.prepareStatement(sql);
            statements.put(sql, ps);
        }
        return ps;
    }

    private List<Row> query(Connection c, String sql) throws SQLException {
        try (ResultSet rs = prepared(c, sql).executeQuery()) {
            return Row.all(rs, shapes(sql));
        }
    }

    /** {@code sql} prepared for this one query, not kept on the connection. */
    private static List<Row> once(Connection c, String sql) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            return Row.all(rs, shapes(sql));
        }
    }

    private static List<Row.Columns> shapes(String sql) {
        return SHAPES.computeIfAbsent(sql, k -> new CopyOnWriteArrayList<>());
    }
}
