package io.replsentinel.binlog;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.replsentinel.fleet.FleetConfig;
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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Starts one {@link BinlogListener} per instance of every cluster whose listeners are on, with the
 * service, and closes them with it. Four supervisor threads serve every listener's start-ups,
 * restarts and once-a-second checks, however many listeners there are. When the fleet is shared
 * ({@code sentinel.fleet.enabled}) only the clusters this node owns get listeners, started and
 * closed as their status partitions come and go.
 */
@ApplicationScoped
public class BinlogListeners {

    private static final Logger LOG = Logger.getLogger(BinlogListeners.class);

    private final Inventory inventory;
    private final SentinelConfig config;
    private final BinlogSettings settings;
    private final ServerIdRegistry registry;
    private final GtidPublisher publisher;
    private final FleetConfig fleet;
    private final ServerIdAllocator allocator;
    private final List<BinlogListener> listeners = new CopyOnWriteArrayList<>();
    private ScheduledExecutorService supervisor;

    public BinlogListeners(Inventory inventory, SentinelConfig config, BinlogSettings settings,
                           ServerIdRegistry registry, GtidPublisher publisher, FleetConfig fleet) {
        this.inventory = inventory;
        this.config = config;
        this.settings = settings;
        this.registry = registry;
        this.publisher = publisher;
        this.fleet = fleet;
        this.allocator = new ServerIdAllocator(settings.serverIdMin(), settings.serverIdMax());
    }

    /** Whether a cluster's instances get listeners: its own setting, else {@code sentinel.binlog.enabled}. */
    boolean enabled(String cluster) {
        SentinelConfig.Cluster c = config.clusters().get(cluster);
        Optional<Boolean> own = c == null ? Optional.empty() : c.binlogListener();
        return own.orElse(settings.enabled());
    }

    void start(@Observes StartupEvent event) {
        if (fleet.enabled()) {
            return; // the clusters this node owns are handed over one by one (watchCluster)
        }
        List<String> clusters = inventory.clusters().keySet().stream().filter(this::enabled).toList();
        clusters.forEach(this::watchCluster);
        if (!listeners.isEmpty()) {
            LOG.infof("Starting %d binlog listener(s)", listeners.size());
        }
    }

    /**
     * Listeners for a cluster added at runtime, closed with it when it is removed. With a shared
     * fleet the ownership code reacts to the change instead and hands over only owned clusters.
     */
    void changed(@Observes InventoryChanged change) {
        if (fleet.enabled()) {
            return;
        }
        change.removedClusters().forEach(this::unwatchCluster);
        change.addedClusters().forEach(this::watchCluster);
    }

    /** Starts the listeners of one cluster's instances, when its listeners are on and not running yet. */
    public synchronized void watchCluster(String cluster) {
        List<WatchedInstance> instances = inventory.clusters().get(cluster);
        if (instances == null || !enabled(cluster) || listeners.stream().anyMatch(l -> l.instance().cluster().equals(cluster))) {
            return;
        }
        ScheduledExecutorService supervisor = supervisor();
        Set<String> members = instances.stream().map(i -> i.cluster() + "/" + i.id()).collect(Collectors.toSet());
        for (WatchedInstance instance : instances) {
            BinlogListener.Context ctx = new BinlogListener.Context(settings, allocator, registry,
                    members, config.poll().jdbcOptions(), publisher::publish,
                    publisher::publish, supervisor, Clock.systemUTC());
            BinlogListener listener = new BinlogListener(instance, ctx);
            listeners.add(listener);
            listener.start();
        }
    }

    /** Closes the listeners of one cluster: another node listens to it now, or it left the inventory. */
    public void unwatchCluster(String cluster) {
        List<BinlogListener> gone;
        synchronized (this) {
            gone = listeners.stream().filter(l -> l.instance().cluster().equals(cluster)).toList();
            listeners.removeAll(gone);
        }
        if (!gone.isEmpty()) {
            // off the caller's thread (the status consumer's): an engine can take seconds to stop
            supervisor().execute(() -> gone.forEach(BinlogListener::close));
        }
    }

    private synchronized ScheduledExecutorService supervisor() {
        if (supervisor == null) {
            supervisor = Executors.newScheduledThreadPool(4, r -> {
                Thread t = new Thread(r, "binlog-supervisor");
                t.setDaemon(true);
                return t;
            });
            supervisor.scheduleWithFixedDelay(() -> BinlogListener.checkEach(listeners), 1, 1, TimeUnit.SECONDS);
        }
        return supervisor;
    }

    void stop(@Observes ShutdownEvent event) {
        if (fleet.enabled()) {
            return; // closed as the status consumer revokes the clusters, after this event
        }
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
