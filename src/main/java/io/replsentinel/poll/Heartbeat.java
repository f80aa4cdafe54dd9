package io.replsentinel.poll;

import io.replsentinel.event.ChannelStatus;
import io.replsentinel.inventory.WatchedInstance;
import org.jboss.logging.Logger;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * True replication lag, pt-heartbeat style. On the primary (writable, no replication channel, and
 * the instance the cluster view takes as primary, see {@link HeartbeatGate}) each poll writes
 * {@code UTC_TIMESTAMP(6)} into {@code <schema>.heartbeat}, keyed by server_id; the row replicates; on a replica each poll reads its source's row and reports how old
 * it is. A heartbeat problem (no grant, table not replicated yet) never fails the poll: the lag is
 * then unknown, and the problem is logged at most once a minute.
 */
final class Heartbeat {

    private static final Logger LOG = Logger.getLogger(Heartbeat.class);
    private static final Duration LOG_EVERY = Duration.ofMinutes(1);

    private final String schema;
    private final String beatSql;
    private final String lagSql;
    private final WatchedInstance instance;
    private final HeartbeatGate gate;
    private boolean tableReady;
    private Instant lastLogged = Instant.EPOCH;

    Heartbeat(String schema, WatchedInstance instance, HeartbeatGate gate) {
        if (!schema.matches("[A-Za-z0-9_]+")) {
            throw new IllegalArgumentException("sentinel.heartbeat.schema '" + schema + "' is not a plain identifier");
        }
        this.schema = schema;
        this.beatSql = "INSERT INTO " + schema + ".heartbeat (server_id, ts) VALUES (@@server_id, UTC_TIMESTAMP(6))"
                + " ON DUPLICATE KEY UPDATE ts = VALUES(ts)";
        this.lagSql = "SELECT TIMESTAMPDIFF(MICROSECOND, ts, UTC_TIMESTAMP(6)) FROM " + schema + ".heartbeat WHERE server_id = ?";
        this.instance = instance;
        this.gate = gate;
    }

    /**
     * Writes the primary's beat, or returns a replica's lag in milliseconds; null when unknown. A
     * statement the monitoring user may not run is recorded on {@code reader} as the
     * {@link Capability#HEARTBEAT} capability, and not tried again on this connection.
     */
    Long beatOrMeasure(Connection c, Boolean readOnly, List<ChannelStatus> channels, InstanceReader reader)
            throws SQLException {
        if (reader.isDenied(Capability.HEARTBEAT)) {
            return null;
        }
        String statement = null;
        try {
            if (channels.isEmpty()) {
                if (gate.mayWrite(instance, readOnly, channels)) {
                    statement = (tableReady ? "" : "CREATE DATABASE / TABLE IF NOT EXISTS " + schema + ".heartbeat; ")
                            + "INSERT INTO " + schema + ".heartbeat ... ON DUPLICATE KEY UPDATE";
                    beat(c, reader);
                }
                return null;
            }
            ChannelStatus ch = channels.get(0);
            statement = "SELECT ts FROM " + schema + ".heartbeat WHERE server_id = ?";
            return channels.size() == 1 && ch.sourceServerId() != null && ch.sourceServerId() > 0
                    ? lagMillis(c, ch.sourceServerId(), reader) : null;
        } catch (SQLException e) {
            if (e.getSQLState() != null && e.getSQLState().startsWith("08")) {
                throw e; // the connection itself failed: the poll reports that
            }
            if (PollErrors.isPrivilegeError(e)) {
                reader.deny(Capability.HEARTBEAT, statement, e, schema);
            }
            tableReady = false;
            Instant now = Instant.now();
            if (Duration.between(lastLogged, now).compareTo(LOG_EVERY) >= 0) {
                lastLogged = now;
                LOG.warnf("Heartbeat on %s unavailable (lag falls back to Seconds_Behind_Source): %s", instance.id(), e.getMessage());
            }
            return null;
        }
    }

    private void beat(Connection c, InstanceReader reader) throws SQLException {
        if (!tableReady) {
            try (Statement st = c.createStatement()) {
                st.execute("CREATE DATABASE IF NOT EXISTS " + schema);
                st.execute("CREATE TABLE IF NOT EXISTS " + schema + ".heartbeat ("
                        + "server_id INT UNSIGNED NOT NULL PRIMARY KEY, ts DATETIME(6) NOT NULL)");
            }
            tableReady = true;
        }
        // prepared once per connection (by the reader): the beat runs on every poll of the primary
        reader.prepared(c, beatSql).executeUpdate();
    }

    private Long lagMillis(Connection c, long sourceServerId, InstanceReader reader) throws SQLException {
        PreparedStatement ps = reader.prepared(c, lagSql);
        ps.setLong(1, sourceServerId);
        try (ResultSet rs = ps.executeQuery()) {
            return rs.next() ? Math.max(0, rs.getLong(1) / 1000) : null;
        }
    }
}
