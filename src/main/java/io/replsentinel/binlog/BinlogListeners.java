package io.replsentinel.binlog;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.replsentinel.inventory.Inventory;
import io.replsentinel.inventory.InventoryChanged;
import io.replsentinel.inventory.SentinelConfig;
import io.replsentinel.inventory.WatchedInstance;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Starts one {@link BinlogListener} per instance of every cluster whose listeners are on, with the
 * service, and closes them with it. Four supervisor threads serve every listener's start-ups,
 * restarts and once-a-second checks, however many listeners there are.
 */
@ApplicationScoped
public class BinlogListeners {

    private static final Logger LOG = Logger.getLogger(BinlogListeners.class);

    private final Inventory inventory;
    private final SentinelConfig config;
    private final BinlogSettings settings;
    private final ServerIdRegistry registry;
    private final GtidPublisher publisher;
    private final List<BinlogListener> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    private ScheduledExecutorService supervisor;
    private ServerIdAllocator allocator;

    public BinlogListeners(Inventory inventory, SentinelConfig config, BinlogSettings settings,
                           ServerIdRegistry registry, GtidPublisher publisher) {
        this.inventory = inventory;
        this.config = config;
        this.settings = settings;
        this.registry = registry;
        this.publisher = publisher;
    }

    /** Whether a cluster's instances get listeners: its own setting, else {@code sentinel.binlog.enabled}. */
    boolean enabled(String cluster) {
        return inventory.binlogListener(cluster).orElse(settings.enabled());
    }

    void start(@Observes StartupEvent event) {
        allocator = new ServerIdAllocator(settings.serverIdMin(), settings.serverIdMax());
        inventory.clusters().forEach(this::startCluster);
    }

    /** Listeners for a cluster added at runtime; closed with it when it is removed. */
    void changed(@Observes InventoryChanged change) {
        for (String cluster : change.removedClusters()) {
            List<BinlogListener> gone = listeners.stream().filter(l -> l.instance().cluster().equals(cluster)).toList();
            listeners.removeAll(gone);
            gone.parallelStream().forEach(BinlogListener::close);
        }
        for (String cluster : change.addedClusters()) {
            startCluster(cluster, inventory.clusters().getOrDefault(cluster, List.of()));
        }
    }

    private synchronized void startCluster(String cluster, List<WatchedInstance> instances) {
        if (!enabled(cluster) || instances.isEmpty()) {
            return;
        }
        if (supervisor == null) {
            supervisor = Executors.newScheduledThreadPool(4, r -> {
                Thread t = new Thread(r, "binlog-supervisor");
                t.setDaemon(true);
                return t;
            });
            supervisor.scheduleWithFixedDelay(() -> listeners.forEach(l -> {
                try {
                    l.check();
                } catch (RuntimeException e) {
                    LOG.warnf(e, "Checking the binlog listener on %s failed", l.instance());
                }
            }), 1, 1, TimeUnit.SECONDS);
        }
        Set<String> members = instances.stream().map(i -> i.cluster() + "/" + i.id()).collect(Collectors.toSet());
        for (WatchedInstance instance : instances) {
            BinlogListener.Context ctx = new BinlogListener.Context(settings, allocator, registry,
                    members, config.poll().jdbcOptions(), publisher::publish,
                    publisher::publish, supervisor, Clock.systemUTC());
            BinlogListener listener = new BinlogListener(instance, ctx);
            listeners.add(listener);
            listener.start();
        }
        LOG.infof("Starting %d binlog listener(s) for cluster %s", instances.size(), cluster);
    }

    synchronized void stop(@Observes ShutdownEvent event) {
        if (supervisor != null) {
            supervisor.shutdownNow();
        }
        listeners.parallelStream().forEach(BinlogListener::close);
        listeners.clear();
    }

    /** The listeners, for the API and the tests. */
    public List<String> describe() {
        return listeners.stream().map(l -> l.instance() + " " + l.state() + " server_id=" + l.serverId()
                + l.down().map(d -> " " + d.cause() + ": " + d.message()).orElse("")).toList();
    }

    /** The server_id the listener of one instance joined with, when it has one. */
    public Optional<Long> serverId(String cluster, String instance) {
        return listeners.stream().filter(l -> l.instance().cluster().equals(cluster) && l.instance().id().equals(instance))
                .map(BinlogListener::serverId).filter(java.util.Objects::nonNull).findFirst();
    }
}
