package io.replsentinel.bench;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.replsentinel.lab.DbServer;
import io.replsentinel.lab.Flavor;
import io.replsentinel.lab.Topology;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * A fleet of {@code bench.fleet.instances} (5,000) inventory entries, each its own single-instance
 * cluster, answered by real servers doing real replication: a MariaDB 10.11 source and replica and a
 * MySQL 9.7 source and replica, each listening on 0.0.0.0 so that every 127.x.y.z reaches it, one
 * loopback address per entry. Besides them {@code bench.fleet.hung} entries on a MariaDB the
 * benchmark stops with SIGSTOP, and {@code bench.fleet.refusing} entries on a port nobody listens on.
 */
public class ScaleFleetResource implements QuarkusTestResourceLifecycleManager {

    static final int INSTANCES = Integer.getInteger("bench.fleet.instances", 5000);
    static final int HUNG = Integer.getInteger("bench.fleet.hung", 200);
    static final int REFUSING = Integer.getInteger("bench.fleet.refusing", 200);
    static final String PREFIX = "scale-";
    static final String HUNG_PREFIX = "scale-hung-";
    static final String REFUSING_PREFIX = "scale-refusing-";

    private static Topology mariadb;
    private static Topology mysql;
    private static DbServer hung;

    static List<DbServer> live() {
        List<DbServer> all = new ArrayList<>(mariadb.all());
        all.addAll(mysql.all());
        return all;
    }

    static List<Topology> topologies() {
        return List.of(mariadb, mysql);
    }

    static DbServer hung() {
        return hung;
    }

    @Override
    public Map<String, String> start() {
        int live = INSTANCES - HUNG - REFUSING;
        int perServer = (live + 3) / 4;
        String maxConnections = "max_connections=" + (perServer + 200);
        CompletableFuture<Topology> maria = CompletableFuture.supplyAsync(() -> Topology.builder(Flavor.MARIADB)
                .replicas(1).option("bind-address=0.0.0.0").option(maxConnections.replace('_', '-'))
                .option("thread-handling=pool-of-threads").build());
        CompletableFuture<Topology> my = CompletableFuture.supplyAsync(() -> Topology.builder(Flavor.MYSQL)
                .replicas(1).option("bind_address=0.0.0.0").option(maxConnections).build());
        CompletableFuture<DbServer> stopped = CompletableFuture.supplyAsync(() -> DbServer.builder(Flavor.MARIADB)
                .serverId(90).option("bind-address=0.0.0.0").option("max-connections=" + (HUNG + 100)).start());
        mariadb = maria.join();
        mysql = my.join();
        hung = stopped.join();
        hung.exec(Topology.grantStatements(Flavor.MARIADB, Topology.MONITOR_USER, Topology.MONITOR_PASSWORD)
                .toArray(String[]::new));
        Map<String, String> config = new LinkedHashMap<>();
        List<DbServer> servers = live();
        int n = 0;
        for (int s = 0; s < servers.size(); s++) {
            for (int i = 0; i < perServer && n < live; i++, n++) {
                cluster(config, PREFIX + String.format(Locale.ROOT, "%05d", n), address(10 + s, i), servers.get(s).port());
            }
        }
        for (int i = 0; i < HUNG; i++) {
            cluster(config, HUNG_PREFIX + i, address(20, i), hung.port());
        }
        int closedPort = closedPort();
        for (int i = 0; i < REFUSING; i++) {
            cluster(config, REFUSING_PREFIX + i, address(21, i), closedPort);
        }
        // the shipped defaults, but no listeners: this measures polling and rules
        config.put("sentinel.binlog.enabled", "false");
        return config;
    }

    /** 127.{block}.x.y, the {@code i}-th address of a block. */
    private static String address(int block, int i) {
        return "127." + block + "." + (i / 250) + "." + (i % 250 + 1);
    }

    private static int closedPort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort(); // free once closed: connections to it are refused
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
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
        if (hung != null) {
            hung.close();
        }
        for (Topology t : new Topology[] {mariadb, mysql}) {
            if (t != null) {
                t.close();
            }
        }
        hung = null;
        mariadb = null;
        mysql = null;
    }
}
