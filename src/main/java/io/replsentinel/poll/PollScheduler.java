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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Polls every instance of the inventory every {@code sentinel.poll.interval}. Each instance has
 * its own scheduling thread, and each poll runs on a worker under {@code sentinel.poll.timeout}, so an
 * instance that hangs (accepts TCP, never answers) is reported at the deadline and delays nobody:
 * the others keep their rhythm. When the fleet is shared ({@code sentinel.fleet.enabled}) it polls
 * only what {@link ClusterOwnership} hands it ({@link #watch}, {@link #unwatchCluster}), each poll
 * stamped with the generation under which this node owns the cluster.
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
    private final ClusterOwnership ownership;
    private final ConnectionSettings connectionSettings;
    /** The instances polled now, by cluster and id. */
    private final Map<String, Watched> watched = new ConcurrentHashMap<>();
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
        inventory.all().forEach(this::watch);
        LOG.infof("Polling %d instance(s) in %d cluster(s) every %s", inventory.all().size(),
                inventory.clusters().size(), config.poll().interval());
    }

    /** Starts polling one instance; nothing when it is polled already. */
    public void watch(WatchedInstance instance) {
        watched.computeIfAbsent(key(instance.cluster(), instance.id()), k -> {
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
            executor.execute(new Tick(executor, poller, timer));
            return new Watched(instance, executor, poller);
        });
    }

    /** Stops polling one instance; a poll in flight ends on its own and is still published. */
    public void unwatch(WatchedInstance instance) {
        Watched w = watched.remove(key(instance.cluster(), instance.id()));
        if (w != null) {
            w.executor.shutdownNow();
            // off the caller's thread (the status consumer's): the poll in flight ends, then its connection closes
            workers.execute(() -> {
                try {
                    if (w.executor.awaitTermination(config.poll().timeout().toMillis() * 2, TimeUnit.MILLISECONDS)) {
                        w.poller.close();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
        }
    }

    /** Stops polling every instance of one cluster. */
    public void unwatchCluster(String cluster) {
        watched.values().stream().filter(w -> w.instance.cluster().equals(cluster)).toList()
                .forEach(w -> unwatch(w.instance));
    }

    /** Whether an instance is polled by this node now. */
    public boolean watches(String cluster, String instance) {
        return watched.containsKey(key(cluster, instance));
    }

    private static String key(String cluster, String instance) {
        return cluster + "/" + instance;
    }

    private record Watched(WatchedInstance instance, ScheduledExecutorService executor, InstancePoller poller) {
    }

    void stop(@Observes ShutdownEvent event) {
        if (ownership.enabled()) {
            // the status consumer leaves the group after this event and revokes the clusters then:
            // polling them until that moment leaves no gap before their next owner takes them
            return;
        }
        watched.values().forEach(w -> w.executor.shutdownNow());
        watched.clear();
        workers.shutdownNow();
    }

    /** One poll, then the next one scheduled on the interval grid, skipping ticks a slow poll missed. */
    private final class Tick implements Runnable {
        private final ScheduledExecutorService executor;
        private final InstancePoller poller;
        private final Timer timer;

        Tick(ScheduledExecutorService executor, InstancePoller poller, Timer timer) {
            this.executor = executor;
            this.poller = poller;
            this.timer = timer;
        }

        @Override
        public void run() {
            long intervalNanos = config.poll().interval().toNanos();
            long start = System.nanoTime();
            try {
                ReplicationStatus status = poller.poll();
                timer.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
                metrics.record(status);
                primaries.record(status);
                publisher.publish(status);
            } catch (RuntimeException e) {
                LOG.errorf(e, "Poll cycle failed for %s", Thread.currentThread().getName());
            } finally {
                long elapsed = System.nanoTime() - start;
                long delay = intervalNanos - (elapsed % intervalNanos);
                try {
                    executor.schedule(this, delay, TimeUnit.NANOSECONDS);
                } catch (RejectedExecutionException stopping) {
                    poller.close(); // the service is shutting down
                }
            }
        }
    }
}
