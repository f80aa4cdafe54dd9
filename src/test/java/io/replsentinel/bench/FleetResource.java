package io.replsentinel.bench;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.replsentinel.lab.DbServer;
import io.replsentinel.lab.LabCommand;
import io.replsentinel.lab.Topology;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.stream.IntStream;

/**
 * A fleet of inventory entries for the benchmarks, each its own single-instance cluster on a
 * loopback address of its own, answered by a few real servers; beside them, entries on one server
 * a benchmark stops with SIGSTOP and entries on a port nobody listens on. The {@link Shape} says
 * how many of each and how the addresses are laid out; a subclass says which servers answer
 * ({@link LoopbackFleetResource}, {@link ScaleFleetResource}).
 *
 * <p>Entry {@code i} of a server in address block {@code b} is {@code 127.b.(i / 250).(i % 250 + 1)};
 * live server {@code s} (in the order {@link #startLive(int)} lists them) answers block
 * {@code liveBlock + s}, the hung server block {@code hungBlock}, the refusing port block
 * {@code hungBlock + 1}. Clusters are named {@code <prefix>00000} on, {@code <prefix>hung-<i>} and
 * {@code <prefix>refusing-<i>}.
 */
abstract class FleetResource implements QuarkusTestResourceLifecycleManager {

    /**
     * @param live    entries answered by the live servers, spread evenly over them
     * @param servers how many live servers {@link #startLive(int)} starts
     */
    record Shape(String prefix, int live, int servers, int hung, int refusing, int liveBlock, int hungBlock) {

        /** Entries per live server, the last one taking what is left. */
        int perServer() {
            return (live + servers - 1) / servers;
        }

        String hungPrefix() {
            return prefix + "hung-";
        }

        String refusingPrefix() {
            return prefix + "refusing-";
        }
    }

    /** Fleets by their class, so that two shapes can run in one JVM (one global, one per class). */
    private static final Map<Class<?>, FleetResource> RUNNING = new ConcurrentHashMap<>();

    private final Shape shape;
    private List<Topology> topologies = List.of();
    private DbServer hung;

    FleetResource(Shape shape) {
        this.shape = shape;
    }

    /** The fleet of this class that is running now. */
    static <T extends FleetResource> T running(Class<T> type) {
        FleetResource f = RUNNING.get(type);
        if (f == null) {
            throw new IllegalStateException(type.getSimpleName() + " is not running");
        }
        return type.cast(f);
    }

    /** The {@code i}-th address of block {@code block}. */
    static String address(int block, int i) {
        return "127." + block + "." + (i / 250) + "." + (i % 250 + 1);
    }

    /** The first {@code count} addresses of a block, for a server that listens on exactly those. */
    static List<String> addresses(int block, int count) {
        return IntStream.range(0, count).mapToObj(i -> address(block, i)).toList();
    }

    /**
     * Starts the {@link Shape#servers()} live servers' topologies, each member listening on its
     * block's first {@code perServer} addresses at least.
     */
    abstract List<Topology> startLive(int perServer);

    /** Starts the server the benchmark hangs, listening on its block's first {@link Shape#hung()} addresses. */
    abstract DbServer startHung();

    /** Starts topologies concurrently; if one fails, those that started are closed. */
    static List<Topology> startAll(List<Supplier<Topology>> builds) {
        List<CompletableFuture<Topology>> futures = builds.stream().map(CompletableFuture::supplyAsync).toList();
        CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).exceptionally(e -> null).join();
        List<Topology> started = futures.stream().filter(f -> !f.isCompletedExceptionally()).map(CompletableFuture::join).toList();
        if (started.size() < futures.size()) {
            started.forEach(Topology::close);
            throw new IllegalStateException("fleet start failed", futures.stream().filter(CompletableFuture::isCompletedExceptionally)
                    .findFirst().orElseThrow().handle((v, e) -> e).join());
        }
        return started;
    }

    /** Settings the fleet needs beside its clusters. */
    Map<String, String> settings() {
        return Map.of();
    }

    List<Topology> liveTopologies() {
        return topologies;
    }

    /** Every member of every live topology, in block order. */
    List<DbServer> liveServers() {
        List<DbServer> all = new ArrayList<>();
        topologies.forEach(t -> all.addAll(t.all()));
        return all;
    }

    DbServer hungServer() {
        return hung;
    }

    @Override
    public Map<String, String> start() {
        // Servers initialise and start independently: do it concurrently.
        CompletableFuture<List<Topology>> starting = CompletableFuture.supplyAsync(() -> startLive(shape.perServer()));
        CompletableFuture<DbServer> stopping = CompletableFuture.supplyAsync(this::startHung);
        CompletableFuture.allOf(starting, stopping).exceptionally(e -> null).join();
        topologies = starting.exceptionally(e -> List.of()).join();
        hung = stopping.exceptionally(e -> null).join();
        if (starting.isCompletedExceptionally() || stopping.isCompletedExceptionally()) {
            stop(); // what did start must not outlive the failure
            throw new IllegalStateException("fleet start failed", (starting.isCompletedExceptionally() ? starting : stopping)
                    .handle((v, e) -> e).join());
        }
        hung.exec(Topology.grantStatements(hung.flavor(), Topology.MONITOR_USER, Topology.MONITOR_PASSWORD)
                .toArray(String[]::new));
        RUNNING.put(getClass(), this);
        Map<String, String> config = new LinkedHashMap<>();
        List<DbServer> servers = liveServers();
        int n = 0;
        for (int s = 0; s < servers.size(); s++) {
            for (int i = 0; i < shape.perServer() && n < shape.live(); i++, n++) {
                cluster(config, shape.prefix() + String.format(Locale.ROOT, "%05d", n), address(shape.liveBlock() + s, i),
                        servers.get(s).port());
            }
        }
        for (int i = 0; i < shape.hung(); i++) {
            cluster(config, shape.hungPrefix() + i, address(shape.hungBlock(), i), hung.port());
        }
        if (shape.refusing() > 0) {
            int closedPort = LabCommand.freePort(); // nobody listens on it: connections to it are refused
            for (int i = 0; i < shape.refusing(); i++) {
                cluster(config, shape.refusingPrefix() + i, address(shape.hungBlock() + 1, i), closedPort);
            }
        }
        config.putAll(settings());
        return config;
    }

    private static void cluster(Map<String, String> config, String name, String host, int port) {
        String prefix = "sentinel.clusters." + name;
        config.put(prefix + ".user", Topology.MONITOR_USER);
        config.put(prefix + ".password", Topology.MONITOR_PASSWORD);
        config.put(prefix + ".instances[0].host", host);
        config.put(prefix + ".instances[0].port", Integer.toString(port));
    }

    @Override
    public void stop() {
        RUNNING.remove(getClass(), this);
        if (hung != null) {
            hung.close();
        }
        topologies.forEach(Topology::close);
        hung = null;
        topologies = List.of();
    }
}
