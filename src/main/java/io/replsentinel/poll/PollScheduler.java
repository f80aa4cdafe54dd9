package io.replsentinel.poll;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.replsentinel.fleet.ClusterOwnership;
import io.replsentinel.event.PollError;
import io.replsentinel.event.ReplicationStatus;
import io.replsentinel.inventory.Inventory;
import io.replsentinel.inventory.SentinelConfig;
import io.replsentinel.inventory.WatchedInstance;
import io.replsentinel.metrics.InstanceMetrics;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Polls every instance of the inventory every {@code sentinel.poll.interval}, from start-up, and
 * the instances {@link #watch watched} or {@link #unwatch unwatched} at runtime. When the fleet is
 * shared ({@code sentinel.fleet.enabled}) it polls only what {@link ClusterOwnership} hands it, each
 * poll stamped with the generation under which this node owns the cluster, and nothing from start-up.
 * <p>
 * Thousands of instances share a bounded set of threads: one clock thread ticks each instance on
 * its own phase of the interval grid (spread over the interval, so the polls do not all start at
 * once), and a tick hands the poll to a worker pool ({@code sentinel.poll.workers}); an instance
 * whose last poll timed out is polled on a pool of its own ({@code sentinel.poll.suspect-workers}),
 * so a few hundred hung servers, each holding a thread up to the deadline, take no thread from the
 * healthy ones. Each poll keeps its instance's connection open for the next one.
 * <p>
 * The deadline ({@code sentinel.poll.timeout}) runs from the moment the poll really starts, never
 * from its tick: time a poll spends waiting for a thread is the service's own lateness, not the
 * server's. Past the deadline the poll reports {@code timeout} and its connection is aborted. At
 * most {@code sentinel.poll.max-concurrent-logins} polls log in at once; one that finds no login
 * slot free is shed at once (its thread goes back to the pool) and logs in at a later tick. When
 * the service itself falls behind (no thread free before the instance's next tick, or the clock
 * thread so late that a deadline cannot be told from its own delay), the poll is shed and counted
 * in {@code sentinel_polls_skipped_total{reason}}, never reported as the instance's failure.
 */
@ApplicationScoped
public class PollScheduler {

    private static final Logger LOG = Logger.getLogger(PollScheduler.class);
    /** A poll waiting for a thread past its instance's next tick: the service did not get to it. */
    static final String SKIPPED_LATE = "late";
    /** A deadline that fired this late says more about the service's load than about the server. */
    static final String SKIPPED_OVERLOAD = "overload";
    /** A poll that had to log in found every login slot taken ({@code sentinel.poll.max-concurrent-logins}). */
    static final String SKIPPED_LOGIN = "login";
    /**
     * A poll of an instance with no status published yet timed out within
     * {@code sentinel.poll.first-timeout-grace} of its watch (always the first): held back, not
     * reported. The first polls of a freshly started JVM load the driver, TLS and the service's own
     * code on the poll's clock (some 0.5-0.7 s for the first login alone), and a fleet's logins all
     * come at once then: the service's time, not the server's.
     */
    static final String SKIPPED_FIRST_TIMEOUT = "first_timeout";

    private final Inventory inventory;
    private final SentinelConfig config;
    private final StatusPublisher publisher;
    private final InstanceMetrics metrics;
    private final MeterRegistry registry;
    private final PrimaryWatch primaries;
    private final ClusterOwnership ownership;
    private final ConnectionSettings connectionSettings;
    private final long intervalNanos;
    private final long timeoutNanos;
    private final long firstTimeoutGraceNanos;
    /** How late a deadline may fire and still be the server's: past it the clock thread itself was held up. */
    private final long overloadToleranceNanos;
    private final Map<String, Watch> watches = new ConcurrentHashMap<>();
    private final ScheduledThreadPoolExecutor clock;
    private final ExecutorService workers;
    private final ExecutorService suspectWorkers;
    /** Runs Connector/J's aborts (closing a socket): quick, and never queued behind polls. */
    private final ExecutorService aborts;
    private final Timer duration;
    private final Timer startDelay;
    private final Counter skippedLate;
    private final Counter skippedOverload;
    private final Counter skippedLogin;
    private final Counter skippedFirstTimeout;
    /**
     * Logins under way at once, at most {@code sentinel.poll.max-concurrent-logins}: at start-up, or
     * when many servers come back at once, thousands of instances log in (TLS, caching_sha2) at the
     * same time, each slower the more there are, until they pass the deadline and start over.
     */
    private final Semaphore loginSlots;

    public PollScheduler(Inventory inventory, SentinelConfig config, StatusPublisher publisher,
                         InstanceMetrics metrics, MeterRegistry registry, PrimaryWatch primaries,
                         ClusterOwnership ownership) {
        this.inventory = inventory;
        this.config = config;
        this.publisher = publisher;
        this.metrics = metrics;
        this.registry = registry;
        this.primaries = primaries;
        this.ownership = ownership;
        this.connectionSettings = new ConnectionSettings(config.poll());
        this.intervalNanos = config.poll().interval().toNanos();
        this.timeoutNanos = config.poll().timeout().toNanos();
        this.firstTimeoutGraceNanos = config.poll().firstTimeoutGrace().toNanos();
        this.overloadToleranceNanos = Math.max(Duration.ofMillis(100).toNanos(), timeoutNanos / 4);
        require(config.poll().workers(), "sentinel.poll.workers");
        require(config.poll().suspectWorkers(), "sentinel.poll.suspect-workers");
        require(config.poll().maxConcurrentLogins(), "sentinel.poll.max-concurrent-logins");
        this.loginSlots = new Semaphore(config.poll().maxConcurrentLogins());
        this.clock = new ScheduledThreadPoolExecutor(1, daemon("poll-clock"));
        this.clock.setRemoveOnCancelPolicy(true);
        this.workers = Executors.newFixedThreadPool(config.poll().workers(), daemon("poll-worker"));
        this.suspectWorkers = Executors.newFixedThreadPool(config.poll().suspectWorkers(), daemon("poll-suspect"));
        this.aborts = Executors.newFixedThreadPool(2, daemon("poll-abort"));
        this.duration = config.poll().perInstanceHistograms() ? null : durationTimer().register(registry);
        this.startDelay = Timer.builder("sentinel_poll_start_delay_seconds")
                .description("From an instance's tick to its poll starting on a worker: the service's own lateness")
                .publishPercentileHistogram()
                .maximumExpectedValue(Duration.ofSeconds(10))
                .register(registry);
        this.skippedLate = skipped(SKIPPED_LATE);
        this.skippedOverload = skipped(SKIPPED_OVERLOAD);
        this.skippedLogin = skipped(SKIPPED_LOGIN);
        this.skippedFirstTimeout = skipped(SKIPPED_FIRST_TIMEOUT);
        Gauge.builder("sentinel_instances_watched", watches, Map::size)
                .description("Instances this node polls").register(registry);
    }

    private static void require(int threads, String key) {
        if (threads < 1) {
            throw new IllegalArgumentException(key + " must be at least 1, was " + threads);
        }
    }

    private Counter skipped(String reason) {
        return Counter.builder("sentinel_polls_skipped_total")
                .description("Polls the service shed because it was behind (late: no thread before the next tick;"
                        + " overload: a deadline it could not keep; login: no login slot free) or held back"
                        + " (first_timeout: a poll of an instance watched moments ago, with no status of it yet, timed out);"
                        + " never reported as the instance's failure")
                .tag("reason", reason).register(registry);
    }

    private static Timer.Builder durationTimer() {
        return Timer.builder("sentinel_poll_duration_seconds")
                .description("Time to poll one instance, including connecting")
                .publishPercentileHistogram()
                .maximumExpectedValue(Duration.ofSeconds(10));
    }

    private static ThreadFactory daemon(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    void start(@Observes StartupEvent event) {
        if (ownership.enabled()) {
            LOG.infof("The fleet is shared: polling the clusters of the status partitions node %s is assigned",
                    ownership.node());
            return;
        }
        for (WatchedInstance instance : inventory.all()) {
            watch(instance);
        }
        LOG.infof("Polling %d instance(s) in %d cluster(s) every %s on %d worker thread(s) (%d for suspects),"
                        + " at most %d login(s) at once", inventory.all().size(), inventory.clusters().size(),
                config.poll().interval(), config.poll().workers(), config.poll().suspectWorkers(),
                config.poll().maxConcurrentLogins());
    }

    /**
     * Starts polling one instance now, at {@code sentinel.poll.interval}. Idempotent: an instance
     * already watched with the same settings keeps its poller (and its connection); one watched with
     * other settings (a new password, other labels) is restarted with these. Thread-safe.
     */
    public synchronized void watch(WatchedInstance instance) {
        watch(instance, Duration.ofNanos(intervalNanos));
    }

    /**
     * As {@link #watch(WatchedInstance)}, with the first poll within {@code firstPollWithin} (spread
     * over it by instance) rather than within one interval: an instance handed over from another
     * node is polled again at once, so the hand-over does not add up to an interval to its gap.
     */
    public synchronized void watch(WatchedInstance instance, Duration firstPollWithin) {
        Watch current = watches.get(instance.id());
        if (current != null) {
            if (current.instance.equals(instance)) {
                return;
            }
            unwatch(instance.id());
        }
        InstancePoller poller = new InstancePoller(instance, config.poll(), connectionSettings, config.heartbeat(),
                () -> ownership.identity(instance.cluster()), Clock.systemUTC(), aborts, primaries);
        Timer timer = duration != null ? duration
                : durationTimer().tags("cluster", instance.cluster(), "instance", instance.id()).register(registry);
        Watch watch = new Watch(instance, poller, timer);
        watches.put(instance.id(), watch);
        // each instance on its own phase of the grid: polls spread over the interval, not bunched on its start
        long spread = Math.max(1, Math.min(intervalNanos, firstPollWithin.toNanos()));
        long phase = Math.floorMod((long) instance.id().hashCode() * 0x9E3779B9L, spread);
        watch.due = System.nanoTime() + phase;
        try {
            watch.tick = clock.schedule(() -> tick(watch), phase, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException stopping) {
            watches.remove(instance.id());
        }
    }

    /**
     * Stops polling one instance (by {@link WatchedInstance#id()}): no status of it is published
     * after this returns, its connection is closed and its series are removed. Idempotent: an
     * instance not watched is ignored. Thread-safe.
     */
    public synchronized void unwatch(String instanceId) {
        Watch watch = watches.remove(instanceId);
        if (watch == null) {
            return;
        }
        watch.stopped = true;
        ScheduledFuture<?> tick = watch.tick;
        if (tick != null) {
            tick.cancel(false);
        }
        if (watch.current.get() == null) {
            watch.poller.close();
        } else {
            watch.poller.abort(); // the worker closes the poller when its poll ends
        }
        if (watch.timer != duration) {
            registry.remove(watch.timer);
        }
        metrics.forget(watch.instance.cluster(), instanceId);
    }

    /** Stops polling every instance of one cluster: another node owns it now. */
    public synchronized void unwatchCluster(String cluster) {
        watches.values().stream().filter(w -> w.instance.cluster().equals(cluster)).map(w -> w.instance.id()).toList()
                .forEach(this::unwatch);
    }

    /** The pool the polls of answering instances run on: a test fills it to overload the service. */
    ExecutorService workers() {
        return workers;
    }

    /** The login slots the polls share: a test takes them all to hold every login back. */
    Semaphore loginSlots() {
        return loginSlots;
    }

    /** Set once the service stops: a status that can no longer be published is expected then, not an error. */
    private volatile boolean stopping;

    /** The ids of the instances polled now. */
    public Set<String> watched() {
        return Set.copyOf(watches.keySet());
    }

    synchronized void stop(@Observes ShutdownEvent event) {
        stopping = true;
        if (ownership.enabled()) {
            // the status consumer leaves the group after this event and revokes the clusters then:
            // polling them until that moment leaves no gap before their next owner takes them
            return;
        }
        watched().forEach(this::unwatch);
        clock.shutdownNow();
        workers.shutdownNow();
        suspectWorkers.shutdownNow();
        aborts.shutdownNow();
    }

    /** On the clock thread: schedule the next tick on the grid, then hand this one's poll to a worker. */
    private void tick(Watch watch) {
        if (watch.stopped) {
            return;
        }
        long now = System.nanoTime();
        long due = watch.due;
        long next = due + intervalNanos;
        while (next - now <= 0) {
            next += intervalNanos; // ticks the clock thread itself missed: counted below as one shed poll
        }
        if (next - due > intervalNanos) {
            skippedLate.increment();
        }
        watch.due = next;
        try {
            watch.tick = clock.schedule(() -> tick(watch), next - now, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException stopping) {
            return;
        }
        Poll previous = watch.current.get();
        if (previous != null) {
            if (previous.state.get() == Poll.TIMED_OUT) {
                // reported at its deadline and still inside the driver (a login has no connection to
                // abort yet and ends at the socket timeout): the instance has not answered, it still hangs
                publish(watch, watch.poller.finish(watch.poller.stillWaiting(Instant.now())), -1);
            } else if (previous.state.get() == Poll.QUEUED) {
                skippedLate.increment(); // still waiting for a thread: the service's lateness, not the server's
            }
            return; // a poll under its deadline (timeout above the interval) simply goes on
        }
        Poll poll = new Poll(watch, due);
        watch.current.set(poll);
        try {
            (watch.timedOut != TimedOut.NO ? suspectWorkers : workers).execute(poll);
        } catch (RejectedExecutionException stopping) {
            watch.current.set(null);
        }
    }

    /** On the clock thread, {@code sentinel.poll.timeout} after a poll started. */
    private void expire(Poll poll, long deadline) {
        // a deadline the clock thread could not keep: the poll may have answered long ago, unseen
        boolean serviceLate = System.nanoTime() - deadline > overloadToleranceNanos;
        if (!poll.state.compareAndSet(Poll.RUNNING, serviceLate ? Poll.SHED : Poll.TIMED_OUT)) {
            return;
        }
        Watch watch = poll.watch;
        boolean loggingIn = watch.poller.loggingIn();
        watch.poller.abort();
        if (serviceLate) {
            skippedOverload.increment();
            return;
        }
        watch.timedOut = loggingIn ? TimedOut.SILENT_AT_LOGIN : TimedOut.ANSWER_LATE;
        if (holdFirstTimeout(watch, poll.started)) {
            // the next tick starts the confirming poll once this one has left the driver, and says
            // nothing meanwhile (a TIMED_OUT poll still in the driver would be reported "still waiting");
            // the tick runs on this same clock thread, so it cannot see the state in between
            poll.state.set(Poll.SHED);
            return;
        }
        publish(watch, watch.poller.finish(watch.poller.timedOut(poll.observedAt, poll.started)),
                System.nanoTime() - poll.started);
    }

    /**
     * Whether a timeout is held back: the instance has no status published yet, and this is its
     * first timeout or its poll started within {@code sentinel.poll.first-timeout-grace} of the
     * first one's start. The grace runs from the instance's first timed-out poll, not from its
     * watch, because paced logins start a large fleet's first polls over many seconds. A server
     * hung when it is first watched is reported by the first poll started after the grace. Called
     * by the one thread that ended the poll.
     */
    private boolean holdFirstTimeout(Watch watch, long pollStarted) {
        if (watch.published) {
            return false;
        }
        if (!watch.timeoutHeld) {
            watch.graceEnds = pollStarted + firstTimeoutGraceNanos;
            watch.timeoutHeld = true;
        } else if (pollStarted - watch.graceEnds >= 0) {
            return false;
        }
        skippedFirstTimeout.increment();
        return true;
    }

    private void publish(Watch watch, ReplicationStatus status, long nanos) {
        if (watch.stopped) {
            return;
        }
        watch.published = true;
        try {
            if (nanos >= 0) {
                watch.timer.record(nanos, TimeUnit.NANOSECONDS);
            }
            metrics.record(status);
            primaries.record(status);
            publisher.publish(status); // a status dropped for a full buffer is counted and logged there, once a run
        } catch (RuntimeException e) {
            if (stopping) {
                // polls go on until the clusters are handed over, and the publisher may close first
                LOG.debugf("The status of %s was not published: the service is stopping (%s)", watch.instance, e.getMessage());
            } else {
                LOG.errorf(e, "Publishing the status of %s failed", watch.instance);
            }
        }
    }

    /** How an instance's last poll ended, as far as where and how its next one runs. */
    private enum TimedOut {
        /** It did not time out: the shared workers, a paced login. */
        NO,
        /** Its kept connection did not answer in time: the suspects' pool, a paced login. */
        ANSWER_LATE,
        /**
         * Its login got no greeting in time: the server took the TCP connection and keeps silent
         * (hung, or a black hole). The suspects' pool, and a login without a slot, which it would
         * hold for the whole timeout.
         */
        SILENT_AT_LOGIN
    }

    /** One watched instance: its poller, its place on the grid and the poll in flight. */
    private static final class Watch {
        final WatchedInstance instance;
        final InstancePoller poller;
        final Timer timer;
        /** The poll handed to a worker and not yet ended; a tick starts none while it is set. */
        final AtomicReference<Poll> current = new AtomicReference<>();
        /** Set by unwatch: a poll that ends afterwards is dropped, not published. */
        volatile boolean stopped;
        /** Whether and where the last poll timed out: unless {@link TimedOut#NO}, the next runs on the suspects' pool. */
        volatile TimedOut timedOut = TimedOut.NO;
        /** Set once a status of it is published: from then on every timeout is reported ({@link #holdFirstTimeout}). */
        volatile boolean published;
        /** Set once a timeout of it was held back: past {@link #graceEnds} no other is. */
        volatile boolean timeoutHeld;
        /** System.nanoTime() at which its first-timeout grace ends: the grace after its first held timeout's poll started. */
        volatile long graceEnds;
        /** System.nanoTime() of the next tick; read and written by the clock thread only. */
        long due;
        volatile ScheduledFuture<?> tick;

        Watch(WatchedInstance instance, InstancePoller poller, Timer timer) {
            this.instance = instance;
            this.poller = poller;
            this.timer = timer;
        }
    }

    /** One poll of one instance, from its tick until its worker is done with it. */
    private final class Poll implements Runnable {
        static final int QUEUED = 0;
        static final int RUNNING = 1;
        static final int DONE = 2;
        static final int TIMED_OUT = 3;
        /** Aborted at a deadline the service kept too late to blame the server: reported as nothing. */
        static final int SHED = 4;

        final Watch watch;
        final long due;
        final AtomicInteger state = new AtomicInteger(QUEUED);
        volatile Instant observedAt;
        volatile long started;

        Poll(Watch watch, long due) {
            this.watch = watch;
            this.due = due;
        }

        @Override
        public void run() {
            try {
                if (!watch.stopped) {
                    poll();
                }
            } finally {
                watch.current.set(null);
                if (watch.stopped) {
                    watch.poller.close();
                }
            }
        }

        private void poll() {
            started = System.nanoTime();
            startDelay.record(Math.max(0, started - due), TimeUnit.NANOSECONDS);
            observedAt = Instant.now();
            state.set(RUNNING);
            long deadline = started + timeoutNanos;
            ScheduledFuture<?> expiry;
            try {
                expiry = clock.schedule(() -> expire(this, deadline), timeoutNanos, TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException stopping) {
                return;
            }
            // a server that did not even greet at the last login mostly keeps silent: paced, hung
            // servers would hold the slots the answering ones need, so it logs in without one, on
            // threads of its own. One whose kept connection timed out logs in paced like any other:
            // on a node past its own capacity those are live servers whose answers came late, and
            // unpaced their logins (TLS, authentication) would take the CPU the polls need, time out
            // more polls and start more logins
            boolean paced = watch.timedOut != TimedOut.SILENT_AT_LOGIN;
            ReplicationStatus.Builder status = watch.poller.observeNow(observedAt, started, paced ? loginSlots : null);
            if (!state.compareAndSet(RUNNING, DONE)) {
                return; // reported (or shed) at the deadline: this late answer is dropped
            }
            expiry.cancel(false);
            if (status == null) {
                skippedLogin.increment(); // no login slot: the service's pacing, not the server's failure
                return;
            }
            PollError error = status.error();
            boolean timeout = error != null && PollErrors.TIMEOUT.equals(error.errorClass());
            watch.timedOut = !timeout ? TimedOut.NO
                    : watch.poller.failedLoggingIn() ? TimedOut.SILENT_AT_LOGIN : TimedOut.ANSWER_LATE;
            if (timeout && holdFirstTimeout(watch, started)) {
                return; // numbered only when published: the instance's sequence has no gap for it
            }
            publish(watch, watch.poller.finish(status), System.nanoTime() - started);
        }
    }
}
