package io.replsentinel.poll;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.replsentinel.event.PollerIdentity;
import io.replsentinel.event.ReplicationStatus;
import io.replsentinel.inventory.Inventory;
import io.replsentinel.inventory.SentinelConfig;
import io.replsentinel.inventory.WatchedInstance;
import io.replsentinel.metrics.InstanceMetrics;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Polls every instance of the inventory every {@code sentinel.poll.interval}. Each instance has
 * its own scheduling thread, and each poll runs on a worker under {@code sentinel.poll.timeout}, so an
 * instance that hangs (accepts TCP, never answers) is reported at the deadline and delays nobody:
 * the others keep their rhythm.
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
    private final Map<String, Watched> executors = new HashMap<>();
    private PollerIdentity identity;
    private ConnectionSettings connectionSettings;
    /** Runs the polls themselves; a hung poll's thread is abandoned here, so the pool grows as needed. */
    private final ExecutorService workers = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "poll-worker");
        t.setDaemon(true);
        return t;
    });

    public PollScheduler(Inventory inventory, SentinelConfig config, StatusPublisher publisher,
                         InstanceMetrics metrics, MeterRegistry registry, PrimaryWatch primaries) {
        this.inventory = inventory;
        this.config = config;
        this.publisher = publisher;
        this.metrics = metrics;
        this.registry = registry;
        this.primaries = primaries;
    }

    void start(@Observes StartupEvent event) {
        identity = new PollerIdentity(config.node().name().orElseGet(PollScheduler::hostName), 0);
        connectionSettings = new ConnectionSettings(config.poll());
        for (WatchedInstance instance : inventory.all()) {
            watch(instance);
        }
        LOG.infof("Polling %d instance(s) in %d cluster(s) every %s", inventory.all().size(),
                inventory.clusters().size(), config.poll().interval());
    }

    /** Starts polling one instance (a no-op when it is polled already). */
    public synchronized void watch(WatchedInstance instance) {
        if (executors.containsKey(instance.id())) {
            return;
        }
        ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "poll-" + instance);
            t.setDaemon(true);
            return t;
        });
        InstancePoller poller = new InstancePoller(instance, config.poll(), connectionSettings, config.heartbeat(),
                identity, Clock.systemUTC(), workers, primaries);
        Timer timer = Timer.builder("sentinel_poll_duration_seconds")
                .description("Time to poll one instance, including connecting")
                .tags("cluster", instance.cluster(), "instance", instance.id())
                .publishPercentileHistogram()
                .register(registry);
        executors.put(instance.id(), new Watched(instance, executor, poller, timer));
        executor.execute(new Tick(executor, poller, timer));
    }

    /** One polled instance: its scheduling thread, its poller and its poll timer. */
    private record Watched(WatchedInstance instance, ScheduledExecutorService executor, InstancePoller poller, Timer timer) {
    }

    /** Stops polling one instance ({@code host:port}); its poller closes its connection. */
    public synchronized void unwatch(String instanceId) {
        Watched w = executors.remove(instanceId);
        if (w == null) {
            return;
        }
        w.executor().shutdownNow();
        registry.remove(w.timer());
        // the poll under way (if any) ends by its own deadline; only then are its connection and series let go
        workers.execute(() -> {
            try {
                w.executor().awaitTermination(config.poll().timeout().toMillis() * 2, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            w.poller().close();
            metrics.forget(w.instance().cluster(), w.instance().id());
        });
    }

    private static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            return "localhost";
        }
    }

    synchronized void stop(@Observes ShutdownEvent event) {
        executors.values().forEach(w -> w.executor().shutdownNow());
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
                    poller.close(); // the service is shutting down, or the instance left the inventory
                }
            }
        }
    }
}
