package io.replsentinel.binlog;

import io.replsentinel.event.BinlogListenerState;
import io.replsentinel.event.GtidEvent;
import io.replsentinel.inventory.Secret;
import io.replsentinel.inventory.WatchedInstance;
import io.replsentinel.lab.DbServer;
import io.replsentinel.lab.Topology;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Runs real {@link BinlogListener}s on lab servers without the service: what they publish is
 * collected in memory, so tests can assert every transaction and every state they saw.
 */
public final class ListenerHarness implements AutoCloseable {

    static final String CLUSTER = "binlog-lab";
    static final String JDBC = "sslMode=PREFERRED&allowPublicKeyRetrieval=true";

    public final List<GtidEvent> events = new CopyOnWriteArrayList<>();
    public final List<BinlogListenerState> states = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService supervisor = Executors.newScheduledThreadPool(2);
    private final ServerIdAllocator allocator = new ServerIdAllocator(4200000000L, 4200009999L);
    private final ServerIdRegistry registry = new ServerIdRegistry();
    /** Copied on write: the supervisor walks it every second while a test adds listeners. */
    private final List<BinlogListener> listeners = new CopyOnWriteArrayList<>();
    private final Path dir;
    private final boolean ownDir;
    private final long fallingBehindBytes;
    private final Map<String, String> debezium;
    /** Called for every event beside collecting it, e.g. to time it. */
    public volatile java.util.function.Consumer<GtidEvent> onEvent = e -> { };
    /** Whether events are kept in {@link #events}: a benchmark counting thousands turns it off (each add copies the list). */
    public volatile boolean collect = true;

    public ListenerHarness() {
        this(null);
    }

    /** Listeners whose offsets live in {@code dir}, so a second harness on it resumes where the first stopped. */
    public ListenerHarness(Path dir) {
        this(dir, 64L << 20);
    }

    /** Listeners that count as falling behind once their reader trails the binlog end by more than {@code fallingBehindBytes}. */
    public ListenerHarness(Path dir, long fallingBehindBytes) {
        this(dir, fallingBehindBytes, Map.of());
    }

    /** Listeners with Debezium properties of their own ({@code sentinel.binlog.debezium.*}), e.g. to compare engine settings. */
    public ListenerHarness(Path dir, long fallingBehindBytes, Map<String, String> debezium) {
        this.fallingBehindBytes = fallingBehindBytes;
        this.debezium = debezium;
        try {
            this.ownDir = dir == null;
            this.dir = dir == null ? Files.createTempDirectory("binlog-listener-test") : dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        supervisor.scheduleWithFixedDelay(() -> BinlogListener.checkEach(listeners), 1, 1, TimeUnit.SECONDS);
    }

    static WatchedInstance watched(DbServer server, String user, String password) {
        return watched(CLUSTER, server, user, password);
    }

    /** The server as an instance of {@code cluster}: a second listener on one server needs a cluster of its own. */
    public static WatchedInstance watched(String cluster, DbServer server, String user, String password) {
        return new WatchedInstance(cluster, server.host(), server.port(), user, new Secret(password),
                Optional.empty(), Map.of(), false);
    }

    public void listen(DbServer server) {
        listen(watched(server, Topology.MONITOR_USER, Topology.MONITOR_PASSWORD));
    }

    public void listen(WatchedInstance instance) {
        BinlogListener.Context ctx = new BinlogListener.Context(new TestSettings(dir, Duration.ZERO, fallingBehindBytes, Duration.ofSeconds(1), debezium), allocator, registry,
                Set.of(), JDBC, e -> {
                    onEvent.accept(e);
                    if (collect) {
                        events.add(e);
                    }
                }, states::add, supervisor, Clock.systemUTC());
        BinlogListener l = new BinlogListener(instance, ctx);
        listeners.add(l);
        l.start();
    }

    /** As if a poll had shown a server of the topology using {@code serverId}. */
    public void pollerSaw(String instance, long serverId) {
        registry.record(CLUSTER, instance, Set.of(serverId), true);
    }

    public List<GtidEvent> from(DbServer server) {
        return from(CLUSTER, server);
    }

    public List<GtidEvent> from(String cluster, DbServer server) {
        return events.stream().filter(e -> e.cluster().equals(cluster) && e.instance().equals(server.id())).toList();
    }

    public Optional<BinlogListenerState> latestState(DbServer server) {
        return latestState(CLUSTER, server);
    }

    public Optional<BinlogListenerState> latestState(String cluster, DbServer server) {
        BinlogListenerState last = null;
        for (BinlogListenerState s : states) {
            if (s.cluster().equals(cluster) && s.instance().equals(server.id())) {
                last = s;
            }
        }
        return Optional.ofNullable(last);
    }

    @Override
    public void close() {
        listeners.forEach(BinlogListener::close);
        supervisor.shutdownNow();
        try {
            if (ownDir) {
                deleteTree(dir);
            }
        } catch (IOException ignored) {
            // a temp directory left behind is harmless
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (var walk = Files.walk(root)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
