package io.replsentinel.poll;

import io.replsentinel.event.ChannelStatus;
import io.replsentinel.event.DeniedCapability;
import io.replsentinel.event.PollError;
import io.replsentinel.event.PollerIdentity;
import io.replsentinel.event.ReplicaHost;
import io.replsentinel.event.ReplicationStatus;
import io.replsentinel.inventory.SentinelConfig;
import io.replsentinel.inventory.WatchedInstance;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Polls one instance: keeps one monitoring connection open between polls, detects flavor and
 * version on each new connection, and turns every failure into an unreachable status rather than
 * an exception. Each poll runs on a worker thread under one deadline ({@code sentinel.poll.timeout});
 * past it the poll reports {@code timeout}, aborts the worker's connection and abandons the worker.
 * {@link #poll()} is called by one scheduling thread at a time; {@link PollScheduler} instead runs
 * {@link #observeNow} on a pooled worker and enforces the deadline itself.
 */
final class InstancePoller implements AutoCloseable {

    /** The message of a tick's status while the poll before it, already reported timed out, is still inside the driver. */
    static final String STILL_WAITING = "the previous poll is still waiting for an answer";

    private final WatchedInstance instance;
    private final SentinelConfig.Poll settings;
    private final ConnectionSettings connectionSettings;
    private final Clock clock;
    private final ExecutorService workers;
    private final Heartbeat heartbeat;
    private final java.util.function.Supplier<PollerIdentity> identity;
    private final AtomicLong sequence = new AtomicLong();
    /** The worker of the last poll; another starts only once it has ended, so one thread owns the state below. */
    private Future<ReplicationStatus.Builder> inFlight;

    // owned by the worker thread of the poll in flight; the scheduling thread only aborts the connection
    private volatile Connection connection;
    /** The last failed poll was logging in: no kept connection had answered it. */
    private volatile boolean failedLoggingIn;
    private volatile ServerVersion version;
    private InstanceReader reader;
    private Instant connectedAt;
    /** The login slots of the poll in flight, if it is paced; set and read by its worker only. */
    private Semaphore loginSlots;
    /**
     * What the last login reported when the server refused the connection, and the socket's reason:
     * while a plain connect is refused for that same reason, the next login reports this again
     * without building a Connector/J connection. Owned by the worker of the poll in flight.
     */
    private PollError refused;
    private String refusedReason;
    /**
     * The Binlog Dump threads last counted ({@code sentinel.poll.dump-thread-interval}) and when;
     * null: not on this connection yet. Owned by the worker of the poll in flight.
     */
    private Integer dumpThreads;
    private Instant dumpThreadsCountedAt;

    InstancePoller(WatchedInstance instance, SentinelConfig.Poll settings, ConnectionSettings connectionSettings,
                   SentinelConfig.Heartbeat heartbeat, java.util.function.Supplier<PollerIdentity> identity, Clock clock, ExecutorService workers,
                   HeartbeatGate gate) {
        this.instance = instance;
        this.settings = settings;
        this.connectionSettings = connectionSettings;
        this.identity = identity;
        this.clock = clock;
        this.workers = workers;
        this.heartbeat = instance.heartbeat() ? new Heartbeat(heartbeat.schema(), instance, gate) : null;
    }

    ReplicationStatus poll() {
        Instant observedAt = clock.instant();
        long start = System.nanoTime();
        ReplicationStatus.Builder status;
        if (inFlight != null && !inFlight.isDone()) {
            // an abandoned poll is still inside the driver (a login that has no connection to abort
            // yet ends at the socket timeout): the instance has not answered it, so it still hangs
            status = stillWaiting(observedAt);
        } else {
            status = bounded(observedAt, start);
        }
        return finish(status);
    }

    /**
     * Runs one poll on the calling thread, with no deadline of its own: the caller enforces
     * {@code sentinel.poll.timeout} with {@link #abort()} and reports {@link #timedOut} past it.
     * One call at a time per instance.
     */
    ReplicationStatus.Builder observeNow(Instant observedAt, long start) {
        return observeNow(observedAt, start, null);
    }

    /**
     * As {@link #observeNow(Instant, long)}, but a poll that has to log in takes one of
     * {@code loginSlots} for the login ({@code null}: logs in without one). With none free it does
     * not wait: it returns {@code null}, no status, and touches nothing, so the caller sheds it and
     * the next tick tries again. The instance has not been asked, so nothing is said about it.
     */
    ReplicationStatus.Builder observeNow(Instant observedAt, long start, Semaphore loginSlots) {
        this.loginSlots = loginSlots;
        try {
            return observe(observedAt, start);
        } catch (NoLoginSlot e) {
            return null;
        } catch (RuntimeException e) {
            close();
            return unreachable(observedAt, millisSince(start), PollErrors.classify(e));
        } finally {
            this.loginSlots = null;
        }
    }

    /** What a poll started at {@code start} reports when it has not answered by the deadline. */
    ReplicationStatus.Builder timedOut(Instant observedAt, long start) {
        return unreachable(observedAt, millisSince(start), new PollError(PollErrors.TIMEOUT, null,
                "no answer within sentinel.poll.timeout (" + settings.timeout().toMillis() + " ms)"));
    }

    /** Whether this poller holds no connection: a poll in flight now is logging in (or has not started). */
    boolean loggingIn() {
        return connection == null;
    }

    /** Whether the last poll that failed inside the poller failed while logging in, before any kept connection answered. */
    boolean failedLoggingIn() {
        return failedLoggingIn;
    }

    /** What a tick reports while the poll before it, already reported timed out, is still inside the driver. */
    ReplicationStatus.Builder stillWaiting(Instant observedAt) {
        return unreachable(observedAt, 0, new PollError(PollErrors.TIMEOUT, null, STILL_WAITING));
    }

    /** Numbers and signs a status: every status of this instance once, in the order they are finished. */
    ReplicationStatus finish(ReplicationStatus.Builder status) {
        return status.sequence(sequence.incrementAndGet()).poller(identity.get()).build();
    }

    private ReplicationStatus.Builder bounded(Instant observedAt, long start) {
        try {
            inFlight = workers.submit(() -> observe(observedAt, start));
        } catch (RejectedExecutionException stopping) {
            return unreachable(observedAt, 0, new PollError(PollErrors.OTHER, null, "the service is stopping"));
        }
        try {
            return inFlight.get(settings.timeout().toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            abort();
            return unreachable(observedAt, millisSince(start), new PollError(PollErrors.TIMEOUT, null,
                    "no answer within sentinel.poll.timeout (" + settings.timeout().toMillis() + " ms)"));
        } catch (ExecutionException e) {
            return unreachable(observedAt, millisSince(start), PollErrors.classify(e.getCause()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            abort();
            return unreachable(observedAt, millisSince(start), new PollError(PollErrors.OTHER, null, "interrupted"));
        }
    }

    /** Closes the socket under a worker stuck in a read, so that it fails and ends. */
    void abort() {
        Connection c = connection;
        if (c == null) {
            return;
        }
        try {
            c.abort(workers);
        } catch (SQLException | RuntimeException ignored) {
            // the worker fails on its own at the socket timeout
        }
    }

    private static long millisSince(long start) {
        return (System.nanoTime() - start) / 1_000_000;
    }

    /** One poll on the worker thread: what {@link #poll()} reports when it ends within the deadline. */
    private ReplicationStatus.Builder observe(Instant observedAt, long start) {
        recheckDeniedCapabilities();
        boolean reused = connection != null;
        ReplicationStatus.Builder status = attempt(observedAt, start);
        if (reused && connection == null && !timedOut(status.error())) {
            // A kept connection broke (server restarted, connection killed, idle timeout): what
            // matters is whether the instance answers now, so ask once more on a fresh connection.
            status = attempt(observedAt, start);
        }
        return status;
    }

    /** Privileges are read at login: a denied check is tried again only on a fresh connection. */
    private void recheckDeniedCapabilities() {
        if (reader != null && !reader.denied().isEmpty()
                && Duration.between(connectedAt, clock.instant()).compareTo(settings.privilegeRecheck()) >= 0) {
            close();
        }
    }

    private static boolean timedOut(PollError error) {
        return error != null && PollErrors.TIMEOUT.equals(error.errorClass());
    }

    private ReplicationStatus.Builder attempt(Instant observedAt, long start) {
        try {
            Connection c = connection();
            boolean countDumpThreads = dumpThreadsCountedAt == null
                    || Duration.between(dumpThreadsCountedAt, observedAt).compareTo(settings.dumpThreadInterval()) >= 0;
            InstanceReader.Reading reading = reader.read(c, countDumpThreads);
            Row vars = reading.variables();
            if (countDumpThreads) {
                dumpThreads = vars.intOrZero("dump_threads");
                dumpThreadsCountedAt = observedAt;
            }
            List<ChannelStatus> channels = reading.channels().stream().map(SourceResolver::resolve).toList();
            List<ReplicaHost> replicas = reading.replicas();
            Boolean readOnly = flag(vars.text("read_only"));
            Long heartbeatLag = heartbeat == null ? null : heartbeat.beatOrMeasure(c, readOnly, channels, reader);
            List<DeniedCapability> denied = reader.denied();
            return base(observedAt, millisSince(start)).reachable(true).flavor(version.flavor()).version(version.number())
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
                    .binlogDumpThreads(dumpThreads).addresses(SourceResolver.addresses(instance.host()))
                    .missingPrivileges(denied.stream().map(DeniedCapability::capability).toList())
                    .deniedCapabilities(denied);
        } catch (NoLoginSlot e) {
            throw e; // not the instance's failure: the poll is shed
        } catch (StillRefused e) {
            return unreachable(observedAt, millisSince(start), refused);
        } catch (SQLException | RuntimeException e) {
            boolean loggingIn = connection == null;
            failedLoggingIn = loggingIn;
            close();
            PollError error = PollErrors.classify(e);
            rememberRefusal(loggingIn, e, error);
            return unreachable(observedAt, millisSince(start), error);
        }
    }

    /** A login the server refused: kept, with the socket's reason, for {@link #refusedAgain()}. */
    private void rememberRefusal(boolean loggingIn, Throwable e, PollError error) {
        Throwable root = io.replsentinel.Causes.root(e);
        boolean refusal = loggingIn && PollErrors.REFUSED.equals(error.errorClass())
                && root.getClass() == ConnectException.class && root.getMessage() != null;
        refused = refusal ? error : null;
        refusedReason = refusal ? root.getMessage() : null;
    }

    /**
     * True when the server refused the last login and a plain connect is refused now for the same
     * reason: the login would fail the same way. A refused connect through Connector/J builds a whole
     * connection first (its property set, the URL, a link-failure message), some 1.5-2.5 ms of CPU
     * against tens of microseconds for the socket (FleetScaleBench); a hung or refusing part of a
     * fleet pays it every interval. Only for a host of one address: Connector/J tries each address of
     * a name, a single socket would not. A connect that succeeds is closed at once and the login
     * proceeds as before (the server counts one aborted connect, once, when it comes back).
     */
    private boolean refusedAgain() {
        if (refused == null) {
            return false;
        }
        try {
            InetAddress[] addresses = InetAddress.getAllByName(instance.host());
            if (addresses.length != 1) {
                return false;
            }
            try (Socket probe = new Socket()) {
                probe.connect(new InetSocketAddress(addresses[0], instance.port()),
                        (int) Math.min(settings.connectTimeout().toMillis(), settings.timeout().toMillis()));
            }
            return false;
        } catch (ConnectException e) {
            return e.getClass() == ConnectException.class && refusedReason.equals(e.getMessage());
        } catch (IOException | RuntimeException e) {
            return false; // anything else: the login says what it is
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
        Semaphore slots = loginSlots;
        if (slots != null && !slots.tryAcquire()) {
            throw NoLoginSlot.INSTANCE;
        }
        try {
            return login();
        } finally {
            if (slots != null) {
                slots.release();
            }
        }
    }

    private Connection login() throws SQLException {
        if (refusedAgain()) {
            throw StillRefused.INSTANCE;
        }
        Connection c = DriverManager.getConnection(connectionSettings.url(instance.host(), instance.port()),
                connectionSettings.properties(instance.user(), instance.password().reveal()));
        String account;
        try (Statement st = c.createStatement()) {
            st.execute("SET SESSION time_zone = '+00:00'");
            Row v = Row.all(st.executeQuery("SELECT @@version AS version, @@version_comment AS comment,"
                    + " CURRENT_USER() AS account")).get(0);
            version = ServerVersion.parse(v.text("version"), v.text("comment"));
            account = quotedAccount(v.text("account"));
        } catch (SQLException | RuntimeException e) {
            closeQuietly(c);
            throw e;
        }
        reader = new InstanceReader(Dialect.of(version), account);
        refused = null;
        refusedReason = null;
        dumpThreadsCountedAt = null; // a restarted server, or another one behind the address: count again
        connectedAt = clock.instant();
        connection = c;
        return c;
    }

    /** {@code user@host} as CURRENT_USER() prints it, quoted for a GRANT: {@code 'user'@'host'}. */
    static String quotedAccount(String currentUser) {
        if (currentUser == null) {
            return "CURRENT_USER";
        }
        int at = currentUser.lastIndexOf('@');
        String user = at < 0 ? currentUser : currentUser.substring(0, at);
        String host = at < 0 ? "%" : currentUser.substring(at + 1);
        return "'" + user.replace("'", "''") + "'@'" + host.replace("'", "''") + "'";
    }

    private static Boolean flag(String value) {
        if (value == null) {
            return null;
        }
        return value.equals("1") || value.equalsIgnoreCase("ON");
    }

    /** A paced poll found every login slot taken: it is shed, not failed. No stack trace: it is flow, not an error. */
    private static final class NoLoginSlot extends RuntimeException {
        static final NoLoginSlot INSTANCE = new NoLoginSlot();

        private NoLoginSlot() {
            super("no login slot free", null, false, false);
        }
    }

    /** The server still refuses: the login reports {@link #refused} again. No stack trace: it is flow, not an error. */
    private static final class StillRefused extends SQLException {
        static final StillRefused INSTANCE = new StillRefused();

        private StillRefused() {
            super("the server still refuses the connection");
        }

        @Override
        public synchronized Throwable fillInStackTrace() {
            return this;
        }
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
