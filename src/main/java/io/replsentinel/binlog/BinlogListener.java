package io.replsentinel.binlog;

import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.ChangeEvent;
import io.debezium.embedded.Connect;
import io.replsentinel.event.BinlogListenerState;
import io.replsentinel.event.GtidEvent;
import io.replsentinel.inventory.WatchedInstance;
import org.apache.kafka.connect.source.SourceRecord;
import org.jboss.logging.Logger;

import javax.management.MBeanServer;
import javax.management.ObjectName;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One instance's binlog, streamed by one Debezium embedded engine and folded into
 * {@link GtidEvent}s. The listener owns its engine's whole life: it checks the instance first
 * ({@link Preflight}), joins with a server_id of its own, restarts the engine after a failure, and
 * says at every moment whether it streams ({@link BinlogListenerState}): a listener that cannot
 * stream is never silent.
 */
final class BinlogListener implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(BinlogListener.class);
    private static final MBeanServer JMX = ManagementFactory.getPlatformMBeanServer();

    /** Everything a listener needs from the service around it. */
    record Context(BinlogSettings settings, ServerIdAllocator allocator, ServerIdRegistry registry,
                   Set<String> clusterInstances, String jdbcOptions, Consumer<GtidEvent> gtids,
                   Consumer<BinlogListenerState> states, ScheduledExecutorService supervisor, Clock clock) {
    }

    private final WatchedInstance instance;
    private final Context ctx;
    private final Path dir;
    private final ExecutorService engineThread;
    private volatile DebeziumEngine<ChangeEvent<SourceRecord, SourceRecord>> engine;
    private volatile boolean closing;
    private volatile Long serverId;
    private volatile String flavor;
    private volatile long transactions;
    private volatile Instant lastCommit;
    private int failures;
    private String state = BinlogListenerState.STARTING;
    private ListenerDown down;
    private Instant since;
    private Instant lastPublished;
    private long sequence;
    private boolean engineStarted;
    /** When the running engine started, and whether its binlog client has connected since. */
    private Instant engineStartedAt;
    private boolean connectedSinceStart;
    private TransactionAssembler assembler;
    private Instant lastProbe;
    private ListenerDown lastProbeResult;
    private String assemblerFlavor;
    /** The engine is being stopped to join again with another server_id, not because it failed. */
    private boolean rejoining;
    /** The engine is being stopped because the server can no longer be streamed: the cause to report. */
    private ListenerDown stopping;
    /** Set while the reader trails the server's binlog end by more than the setting allows. */
    private ListenerDown behind;
    private Instant lastPositionCheck;
    private final CommitTimestamps commitTimes;

    BinlogListener(WatchedInstance instance, Context ctx) {
        this.instance = instance;
        this.ctx = ctx;
        this.dir = Path.of(ctx.settings().dataDir(), safe(instance.cluster()), safe(instance.host() + "_" + instance.port()));
        this.engineThread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "binlog-" + instance);
            t.setDaemon(true);
            return t;
        });
        this.since = ctx.clock().instant();
        this.commitTimes = CommitTimestamps.register(EngineProperties.topicPrefix(instance));
    }

    void start() {
        publish(true);
        ctx.supervisor().execute(this::attempt);
    }

    /** One try at starting the engine; a failure is published and the next try scheduled. */
    private synchronized void attempt() {
        if (closing) {
            return;
        }
        try {
            Preflight.Result pre = Preflight.check(instance, ctx.jdbcOptions(), 2000);
            if (pre.down().isPresent()) {
                failed(pre.down().get());
                return;
            }
            flavor = pre.flavor();
            if (serverId == null) {
                ctx.registry().awaitPolled(ctx.clusterInstances(), ctx.settings().serverIdWait());
                serverId = ctx.allocator().allocate(ctx.registry().seen());
            }
            Files.createDirectories(dir);
            if (assembler == null || !flavor.equals(assemblerFlavor)) {
                // one per listener, not per engine: a restarted engine may replay its last transactions
                assembler = new TransactionAssembler(instance, flavor, ctx.settings().keyValues(), ctx.clock(),
                        this::onTransaction, "mysql".equals(flavor) ? commitTimes : null);
                assemblerFlavor = flavor;
            }
            assembler.restart();
            TransactionAssembler assembler = this.assembler;
            DebeziumEngine<ChangeEvent<SourceRecord, SourceRecord>> e = DebeziumEngine.create(Connect.class)
                    .using(EngineProperties.of(instance, flavor, serverId, dir, ctx.settings()))
                    .using(new DebeziumEngine.ConnectorCallback() {
                        @Override
                        public void taskStarted() {
                            ctx.supervisor().execute(() -> engineStarted());
                        }
                    })
                    .using((success, message, error) -> ctx.supervisor().execute(() -> engineEnded(success, message, error)))
                    .notifying(rec -> assembler.accept(rec.value()))
                    .build();
            engine = e;
            engineThread.execute(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException | RuntimeException e) {
            failed(ListenerDown.classify(e.getMessage(), e));
        }
    }

    private void onTransaction(GtidEvent event) {
        transactions++;
        if (event.originalCommitAt() != null) {
            lastCommit = event.originalCommitAt();
        }
        ctx.gtids().accept(event);
    }

    private synchronized void engineStarted() {
        engineStarted = true;
        engineStartedAt = ctx.clock().instant();
        connectedSinceStart = false;
        failures = 0;
        LOG.infof("Binlog listener on %s streams as server_id %d", instance, serverId);
        check();
    }

    private synchronized void engineEnded(boolean success, String message, Throwable error) {
        engine = null;
        engineStarted = false;
        if (closing) {
            return;
        }
        if (rejoining) {
            rejoining = false;
            attempt();
            return;
        }
        if (stopping != null) {
            ListenerDown why = stopping;
            stopping = null;
            failed(why);
            return;
        }
        failed(ListenerDown.classify(message, error));
    }

    private void failed(ListenerDown cause) {
        transition(BinlogListenerState.DOWN, cause);
        failures++;
        long backoff = ctx.settings().restartBackoff().toMillis() * Math.min(10, 1L << Math.min(failures - 1, 4));
        ctx.supervisor().schedule(this::attempt, backoff, TimeUnit.MILLISECONDS);
    }

    /**
     * The supervisor's pass, every second: {@link #check()} on each listener. A check that fails is
     * logged and the others still run; a periodic task that throws is never run again.
     */
    static void checkEach(Iterable<BinlogListener> listeners) {
        for (BinlogListener l : listeners) {
            try {
                l.check();
            } catch (RuntimeException e) {
                LOG.warnf(e, "Checking the binlog listener on %s failed", l.instance());
            }
        }
    }

    /** Runs on the supervisor every second: is the engine's binlog connection up? */
    synchronized void check() {
        if (closing) {
            return;
        }
        if (engine != null && engineStarted && !rejoining && ctx.registry().seen().contains(serverId)) {
            rejoin();
            return;
        }
        if (engine != null && engineStarted) {
            Optional<Boolean> connected = streamingMetric("Connected").map(Boolean.class::cast);
            if (connected.isPresent() && !connected.get()) {
                // a started engine reads the schemas before its binlog client connects: not down yet
                if (connectedSinceStart
                        || Duration.between(engineStartedAt, ctx.clock().instant()).compareTo(CONNECT_GRACE) > 0) {
                    transition(BinlogListenerState.DOWN, whyDisconnected());
                }
            } else if (connected.orElse(false)) {
                connectedSinceStart = true;
                checkPosition();
                if (engine != null && stopping == null) {
                    transition(behind == null ? BinlogListenerState.RUNNING : BinlogListenerState.DOWN, behind);
                }
            }
        }
        publish(false);
    }

    /**
     * Every {@code position-check-interval}: can the server still be streamed, and how far does the
     * reader trail the end of its binlog? A server that can no longer be streamed (row images no
     * longer FULL, statements logged, tagged GTIDs) stops the engine: what it would read is wrong.
     */
    private void checkPosition() {
        Instant now = ctx.clock().instant();
        if (lastPositionCheck != null
                && Duration.between(lastPositionCheck, now).compareTo(ctx.settings().positionCheckInterval()) < 0) {
            return;
        }
        lastPositionCheck = now;
        Optional<Preflight.Probe> probe = Preflight.probe(instance, ctx.jdbcOptions(), 2000, flavor);
        if (probe.isEmpty()) {
            return; // unreachable: the binlog client's own connection says so
        }
        if (probe.get().problem().isPresent()) {
            stop(probe.get().problem().get());
            return;
        }
        Optional<Object> file = streamingMetric("BinlogFilename");
        Optional<Object> position = streamingMetric("BinlogPosition");
        if (file.isEmpty() || position.isEmpty() || !(position.get() instanceof Number pos)) {
            return;
        }
        Optional<Long> bytes = probe.get().bytesBehind(String.valueOf(file.get()), pos.longValue());
        long limit = ctx.settings().fallingBehindBytes();
        if (bytes.isPresent() && bytes.get() > limit) {
            behind = new ListenerDown(ListenerDown.FALLING_BEHIND, "the listener reads " + file.get() + ":" + pos
                    + ", " + bytes.get() + " bytes behind the end of the server's binlog (limit "
                    + limit + ", sentinel.binlog.falling-behind-bytes); it still streams");
        } else if (bytes.isPresent()) {
            behind = null;
        }
    }

    private void stop(ListenerDown why) {
        transition(BinlogListenerState.DOWN, why);
        stopping = why;
        behind = null;
        DebeziumEngine<ChangeEvent<SourceRecord, SourceRecord>> e = engine;
        try {
            e.close();
        } catch (IOException | IllegalStateException alreadyStopped) {
            stopping = null;
            failed(why);
        }
    }

    /** How long a started engine may take to connect its binlog client before it counts as down. */
    private static final Duration CONNECT_GRACE = Duration.ofSeconds(20);

    /** Lost connection or refused account: asked of the server at most every few seconds. */
    private ListenerDown whyDisconnected() {
        Instant now = ctx.clock().instant();
        if (lastProbe == null || Duration.between(lastProbe, now).toSeconds() >= 3) {
            lastProbe = now;
            lastProbeResult = Preflight.privileges(instance, ctx.jdbcOptions(), 2000)
                    .filter(d -> ListenerDown.PRIVILEGES.equals(d.cause()))
                    .orElse(new ListenerDown(ListenerDown.CONNECTION, "the binlog connection is lost; the client is reconnecting"));
        }
        return lastProbeResult;
    }

    /**
     * A server of the topology now reports the server_id this listener joined with (a replica added
     * or renumbered): the listener leaves at once, before the source mistakes one for the other and
     * drops the real replica (error 1236), and joins again with a free id from its last offsets.
     */
    private void rejoin() {
        long clashing = serverId;
        LOG.warnf("A server of %s's topology now uses server_id %d, the binlog listener's: it joins again with another",
                instance, clashing);
        serverId = null;
        ctx.allocator().release(clashing);
        rejoining = true;
        DebeziumEngine<ChangeEvent<SourceRecord, SourceRecord>> e = engine;
        try {
            e.close();
        } catch (IOException | IllegalStateException alreadyStopped) {
            rejoining = false;
            ctx.supervisor().execute(this::attempt);
        }
    }

    private Optional<Object> streamingMetric(String attribute) {
        try {
            Set<ObjectName> names = JMX.queryNames(new ObjectName("debezium.*:type=connector-metrics,context=streaming,server="
                    + EngineProperties.topicPrefix(instance) + ",*"), null);
            for (ObjectName n : names) {
                return Optional.ofNullable(JMX.getAttribute(n, attribute));
            }
        } catch (Exception e) {
            LOG.debugf("no streaming metrics for %s: %s", instance, e.getMessage());
        }
        return Optional.empty();
    }

    private void transition(String newState, ListenerDown cause) {
        if (!newState.equals(state) || !Objects.equals(cause == null ? null : cause.cause(), down == null ? null : down.cause())) {
            if (cause != null) {
                LOG.warnf("Binlog listener on %s is down (%s): %s", instance, cause.cause(), cause.message());
            } else if (down != null) {
                LOG.infof("Binlog listener on %s streams again", instance);
            }
            state = newState;
            down = cause;
            since = ctx.clock().instant();
            publish(true);
        }
    }

    private synchronized void publish(boolean changed) {
        Instant now = ctx.clock().instant();
        if (!changed && lastPublished != null
                && Duration.between(lastPublished, now).compareTo(ctx.settings().stateInterval()) < 0) {
            return;
        }
        lastPublished = now;
        Long lag = lastCommit == null ? null : Math.max(0, Duration.between(lastCommit, now).toMillis());
        BinlogListenerState published = new BinlogListenerState(BinlogListenerState.SCHEMA_VERSION, instance.cluster(),
                instance.id(), state, down == null ? null : down.cause(), down == null ? null : down.message(), serverId,
                since, now, lag, transactions, ++sequence);
        try {
            ctx.states().accept(published);
        } catch (RuntimeException e) {
            // a full or stopping channel: the next state says the same, and the listener's own restarts
            // and checks, which run after this, must go on
            LOG.warnf("The state of the binlog listener on %s was not published: %s", instance, e.getMessage());
        }
    }

    synchronized String state() {
        return state;
    }

    synchronized Optional<ListenerDown> down() {
        return Optional.ofNullable(down);
    }

    Long serverId() {
        return serverId;
    }

    WatchedInstance instance() {
        return instance;
    }

    @Override
    public void close() {
        closing = true;
        DebeziumEngine<ChangeEvent<SourceRecord, SourceRecord>> e = engine;
        if (e != null) {
            try {
                e.close();
            } catch (IOException | IllegalStateException alreadyStopped) {
                // an engine that already failed refuses close(): it holds nothing any more
            }
        }
        engineThread.shutdown();
        try {
            engineThread.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
        }
        engineThread.shutdownNow();
        CommitTimestamps.unregister(EngineProperties.topicPrefix(instance), commitTimes);
        if (serverId != null) {
            ctx.allocator().release(serverId);
        }
    }

    private static String safe(String s) {
        return s.replaceAll("[^A-Za-z0-9._-]", "_");
    }
}
