package io.replsentinel.poll;

import io.replsentinel.event.ChannelStatus;
import io.replsentinel.event.PollError;
import io.replsentinel.event.PollerIdentity;
import io.replsentinel.event.ReplicaHost;
import io.replsentinel.event.ReplicationStatus;
import io.replsentinel.inventory.SentinelConfig;
import io.replsentinel.inventory.WatchedInstance;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Properties;

/**
 * Polls one instance: keeps one monitoring connection open between polls, detects flavor and
 * version on each new connection, and turns every failure into an unreachable status rather than
 * an exception. Not thread-safe: one poller thread owns it.
 */
final class InstancePoller implements AutoCloseable {

    private final WatchedInstance instance;
    private final SentinelConfig.Poll settings;
    private final Clock clock;
    private Connection connection;
    private ServerVersion version;
    private InstanceReader reader;
    private final Heartbeat heartbeat;
    private final PollerIdentity identity;
    private long sequence;

    InstancePoller(WatchedInstance instance, SentinelConfig.Poll settings, SentinelConfig.Heartbeat heartbeat,
                   PollerIdentity identity, Clock clock, HeartbeatGate gate) {
        this.instance = instance;
        this.settings = settings;
        this.identity = identity;
        this.clock = clock;
        this.heartbeat = instance.heartbeat() ? new Heartbeat(heartbeat.schema(), instance, gate) : null;
    }

    ReplicationStatus poll() {
        Instant observedAt = clock.instant();
        long start = System.nanoTime();
        boolean reused = connection != null;
        ReplicationStatus.Builder status = attempt(observedAt, start);
        if (reused && connection == null && !timedOut(status.build())) {
            // A kept connection broke (server restarted, connection killed, idle timeout): what
            // matters is whether the instance answers now, so ask once more on a fresh connection.
            status = attempt(observedAt, start);
        }
        return status.sequence(++sequence).poller(identity).build();
    }

    private static boolean timedOut(ReplicationStatus status) {
        return status.error() != null && PollErrors.TIMEOUT.equals(status.error().errorClass());
    }

    private ReplicationStatus.Builder attempt(Instant observedAt, long start) {
        try {
            Connection c = connection();
            Row vars = reader.variables(c);
            List<ChannelStatus> channels = reader.channels(c).stream().map(SourceResolver::resolve).toList();
            List<ReplicaHost> replicas = reader.replicas(c);
            int dumpThreads = reader.binlogDumpThreads(c);
            Boolean readOnly = flag(vars.text("read_only"));
            Long heartbeatLag = heartbeat == null ? null : heartbeat.beatOrMeasure(c, readOnly, channels);
            long millis = (System.nanoTime() - start) / 1_000_000;
            return base(observedAt, millis).reachable(true).flavor(version.flavor()).version(version.number())
                    .serverId(vars.number("server_id")).serverUuid(vars.nonEmpty("server_uuid"))
                    .readOnly(readOnly).superReadOnly(flag(vars.text("super_read_only")))
                    .gtidMode(vars.nonEmpty("gtid_mode"))
                    .gtidExecuted(ReplicaStatusParser.gtidSet(vars.text("gtid_executed")))
                    .binlogFormat(vars.nonEmpty("binlog_format"))
                    .logReplicaUpdates(flag(vars.text("log_replica_updates")))
                    .channels(channels).replicas(replicas).heartbeatLagMillis(heartbeatLag)
                    .enforceGtidConsistency(vars.nonEmpty("enforce_gtid_consistency"))
                    .binlogRowImage(vars.nonEmpty("binlog_row_image"))
                    .gtidStrictMode(flag(vars.text("gtid_strict_mode")))
                    .gtidBinlogState(ReplicaStatusParser.gtidSet(vars.text("gtid_binlog_state")))
                    .binlogDumpThreads(dumpThreads).addresses(SourceResolver.addresses(instance.host()));
        } catch (SQLException | RuntimeException e) {
            close();
            long millis = (System.nanoTime() - start) / 1_000_000;
            return unreachable(observedAt, millis, PollErrors.classify(e));
        }
    }

    private ReplicationStatus.Builder unreachable(Instant observedAt, long millis, PollError error) {
        return base(observedAt, millis).reachable(false).error(error)
                .flavor(version == null ? null : version.flavor())
                .version(version == null ? null : version.number());
    }

    private ReplicationStatus.Builder base(Instant observedAt, long millis) {
        return ReplicationStatus.builder(instance.cluster(), instance.id()).observedAt(observedAt).pollMillis(millis)
                .expectedRole(instance.expectedRole().orElse(null)).labels(instance.labels());
    }

    private Connection connection() throws SQLException {
        if (connection != null) {
            return connection;
        }
        Properties props = new Properties();
        props.setProperty("user", instance.user());
        props.setProperty("password", instance.password().reveal());
        props.setProperty("connectTimeout", Long.toString(settings.connectTimeout().toMillis()));
        props.setProperty("socketTimeout", Long.toString(settings.timeout().toMillis()));
        props.setProperty("connectionAttributes", "program_name:repl-sentinel");
        String url = "jdbc:mysql://" + instance.host() + ":" + instance.port() + "/?" + settings.jdbcOptions();
        Connection c = DriverManager.getConnection(url, props);
        try (Statement st = c.createStatement()) {
            st.execute("SET SESSION time_zone = '+00:00'");
            Row v = Row.all(st.executeQuery("SELECT @@version AS version, @@version_comment AS comment")).get(0);
            version = ServerVersion.parse(v.text("version"), v.text("comment"));
        } catch (SQLException | RuntimeException e) {
            closeQuietly(c);
            throw e;
        }
        reader = new InstanceReader(Dialect.of(version));
        connection = c;
        return c;
    }

    private static Boolean flag(String value) {
        if (value == null) {
            return null;
        }
        return value.equals("1") || value.equalsIgnoreCase("ON");
    }

    @Override
    public void close() {
        closeQuietly(connection);
        connection = null;
        reader = null;
    }

    private static void closeQuietly(Connection c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (SQLException ignored) {
            // the connection is being dropped because it failed; nothing more to learn from it
        }
    }
}
