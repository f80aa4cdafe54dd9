package io.replsentinel.binlog;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.replsentinel.inventory.Inventory;
import io.replsentinel.inventory.SentinelConfig;
import io.replsentinel.inventory.WatchedInstance;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
    private final List<BinlogListener> listeners = new ArrayList<>();
    private ScheduledExecutorService supervisor;

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
        SentinelConfig.Cluster c = config.clusters().get(cluster);
        Optional<Boolean> own = c == null ? Optional.empty() : c.binlogListener();
        return own.orElse(settings.enabled());
    }

    void start(@Observes StartupEvent event) {
        ServerIdAllocator allocator = new ServerIdAllocator(settings.serverIdMin(), settings.serverIdMax());
        List<WatchedInstance> watched = new ArrayList<>();
        inventory.clusters().forEach((cluster, instances) -> {
            if (enabled(cluster)) {
                watched.addAll(instances);
            }
        });
        if (watched.isEmpty()) {
            return;
        }
        supervisor = Executors.newScheduledThreadPool(4, r -> {
            Thread t = new Thread(r, "binlog-supervisor");
            t.setDaemon(true);
            return t;
        });
        Map<String, Set<String>> byCluster = inventory.clusters().entrySet().stream().collect(Collectors.toMap(
                Map.Entry::getKey, e -> e.getValue().stream().map(i -> i.cluster() + "/" + i.id()).collect(Collectors.toSet())));
        for (WatchedInstance instance : watched) {
            BinlogListener.Context ctx = new BinlogListener.Context(settings, allocator, registry,
                    byCluster.get(instance.cluster()), config.poll().jdbcOptions(), publisher::publish,
                    publisher::publish, supervisor, Clock.systemUTC());
            BinlogListener listener = new BinlogListener(instance, ctx);
            listeners.add(listener);
            listener.start();
        }
        supervisor.scheduleWithFixedDelay(() -> listeners.forEach(l -> {
            try {
                l.check();
            } catch (RuntimeException e) {
                LOG.warnf(e, "Checking the binlog listener on %s failed", l.instance());
            }
        }), 1, 1, TimeUnit.SECONDS);
        LOG.infof("Starting %d binlog listener(s)", listeners.size());
    }

    void stop(@Observes ShutdownEvent event) {
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
