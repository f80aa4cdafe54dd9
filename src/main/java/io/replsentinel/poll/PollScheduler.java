package io.replsentinel.poll;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.replsentinel.event.ReplicationStatus;
import io.replsentinel.fleet.ClusterOwnership;
import io.replsentinel.inventory.Inventory;
import io.replsentinel.inventory.SentinelConfig;
import io.replsentinel.inventory.WatchedInstance;
import io.replsentinel.metrics.InstanceMetrics;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Polls every instance of the inventory every {@code sentinel.poll.interval}, from start-up, and
 * the instances {@link #watch watched} or {@link #unwatch unwatched} at runtime. Each instance has
 * its own scheduling thread, and each poll runs on a worker under {@code sentinel.poll.timeout}, so an
 * instance that hangs (accepts TCP, never answers) is reported at the deadline and delays nobody:
 * the others keep their rhythm. When the fleet is shared ({@code sentinel.fleet.enabled}) it polls
 * only what {@link ClusterOwnership} hands it, each poll stamped with the generation under which
 * this node owns the cluster, and nothing from start-up.
 */
@ApplicationScoped
public class PollScheduler {

    private static final Logger LOG = Logger.getLogger(PollScheduler.class);

    private final Inventory inventory;
    private final SentinelConfig config;
    private final StatusPublisher publisher;
    private final InstanceMetrics metrics;
    private final MeterRegistry registry;
    private final PrimaryWatch primaries;
    private final Map<String, Watch> watches = new ConcurrentHashMap<>();
    private final ClusterOwnership ownership;
    private final ConnectionSettings connectionSettings;
    /** Runs the polls themselves; a hung poll's thread is abandoned here, so the pool grows as needed. */
    private final ExecutorService workers = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "poll-worker");
        t.setDaemon(true);
        return t;
    });

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
        LOG.infof("Polling %d instance(s) in %d cluster(s) every %s", inventory.all().size(),
                inventory.clusters().size(), config.poll().interval());
    }

    /**
     * Starts polling one instance now, at {@code sentinel.poll.interval}. Idempotent: an instance
     * already watched with the same settings keeps its poller (and its connection); one watched with
     * other settings (a new password, other labels) is restarted with these. Thread-safe.
     */
    public synchronized void watch(WatchedInstance instance) {
        Watch current = watches.get(instance.id());
        if (current != null) {
            if (current.instance.equals(instance)) {
                return;
            }
            unwatch(instance.id());
        }
        ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "poll-" + instance);
            t.setDaemon(true);
            return t;
        });
        InstancePoller poller = new InstancePoller(instance, config.poll(), connectionSettings, config.heartbeat(),
                () -> ownership.identity(instance.cluster()), Clock.systemUTC(), workers, primaries);
        Timer timer = Timer.builder("sentinel_poll_duration_seconds")
                .description("Time to poll one instance, including connecting")
                .tags("cluster", instance.cluster(), "instance", instance.id())
                .publishPercentileHistogram()
                .register(registry);
        Watch watch = new Watch(instance, executor, poller, timer);
        watches.put(instance.id(), watch);
        executor.execute(new Tick(watch));
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
        watch.executor.shutdownNow();
        // an idle poller's next tick is cancelled, not run: its connection is closed here, after any poll in flight
        workers.execute(() -> {
            try {
                if (watch.executor.awaitTermination(config.poll().timeout().toMillis() * 2, TimeUnit.MILLISECONDS)) {
                    watch.poller.close();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        registry.remove(watch.timer);
        metrics.forget(watch.instance.cluster(), instanceId);
    }

    /** Stops polling every instance of one cluster: another node owns it now. */
    public synchronized void unwatchCluster(String cluster) {
        watches.values().stream().filter(w -> w.instance.cluster().equals(cluster)).map(w -> w.instance.id()).toList()
                .forEach(this::unwatch);
    }

    /** The ids of the instances polled now. */
    public Set<String> watched() {
        return Set.copyOf(watches.keySet());
    }

    synchronized void stop(@Observes ShutdownEvent event) {
        if (ownership.enabled()) {
            // the status consumer leaves the group after this event and revokes the clusters then:
            // polling them until that moment leaves no gap before their next owner takes them
            return;
        }
        watched().forEach(this::unwatch);
        workers.shutdownNow();
    }

    /** One watched instance: its poller and the thread that schedules it. */
    private static final class Watch {
        final WatchedInstance instance;
        final ScheduledExecutorService executor;
        final InstancePoller poller;
        final Timer timer;
        /** Set by unwatch: a poll that ends afterwards is dropped, not published. */
        volatile boolean stopped;

        Watch(WatchedInstance instance, ScheduledExecutorService executor, InstancePoller poller, Timer timer) {
            this.instance = instance;
            this.executor = executor;
            this.poller = poller;
            this.timer = timer;
        }
    }

    /** One poll, then the next one scheduled on the interval grid, skipping ticks a slow poll missed. */
    private final class Tick implements Runnable {
        private final Watch watch;

        Tick(Watch watch) {
            this.watch = watch;
        }

        @Override
        public void run() {
            long intervalNanos = config.poll().interval().toNanos();
            long start = System.nanoTime();
            try {
                ReplicationStatus status = watch.poller.poll();
                if (watch.stopped) {
                    return;
                }
                watch.timer.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
                metrics.record(status);
                primaries.record(status);
                publisher.publish(status);
            } catch (RuntimeException e) {
                LOG.errorf(e, "Poll cycle failed for %s", watch.instance);
            } finally {
                long elapsed = System.nanoTime() - start;
                long delay = intervalNanos - (elapsed % intervalNanos);
                try {
                    if (watch.stopped) {
                        watch.poller.close();
                    } else {
                        watch.executor.schedule(this, delay, TimeUnit.NANOSECONDS);
                    }
                } catch (RejectedExecutionException stopping) {
                    watch.poller.close(); // unwatched, or the service is shutting down
                }
            }
        }
    }
}
