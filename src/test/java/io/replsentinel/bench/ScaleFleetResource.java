package io.replsentinel.bench;

import io.replsentinel.lab.DbServer;
import io.replsentinel.lab.Flavor;
import io.replsentinel.lab.Topology;

import java.util.List;
import java.util.Map;

/**
 * A fleet of {@code bench.fleet.instances} (5,000) inventory entries, each its own single-instance
 * cluster, answered by real servers doing real replication: a MariaDB 10.11 source and replica and a
 * MySQL 9.7 source and replica, each listening on 0.0.0.0 so that every 127.x.y.z reaches it, one
 * loopback address per entry. Besides them {@code bench.fleet.hung} entries on a MariaDB the
 * benchmark stops with SIGSTOP, and {@code bench.fleet.refusing} entries on a port nobody listens on.
 */
public class ScaleFleetResource extends FleetResource {

    static final int INSTANCES = Integer.getInteger("bench.fleet.instances", 5000);
    static final int HUNG = Integer.getInteger("bench.fleet.hung", 200);
    static final int REFUSING = Integer.getInteger("bench.fleet.refusing", 200);
    static final String PREFIX = "scale-";
    private static final Shape SHAPE = new Shape(PREFIX, INSTANCES - HUNG - REFUSING, 4, HUNG, REFUSING, 10, 20);
    static final String HUNG_PREFIX = SHAPE.hungPrefix();
    static final String REFUSING_PREFIX = SHAPE.refusingPrefix();

    public ScaleFleetResource() {
        super(SHAPE);
    }

    static List<DbServer> live() {
        return running(ScaleFleetResource.class).liveServers();
    }

    static List<Topology> topologies() {
        return running(ScaleFleetResource.class).liveTopologies();
    }

    static DbServer hung() {
        return running(ScaleFleetResource.class).hungServer();
    }

    /** Two topologies of a source and a replica: the four live servers. */
    @Override
    List<Topology> startLive(int perServer) {
        String maxConnections = "max_connections=" + (perServer + 200);
        return startAll(List.of(
                () -> Topology.builder(Flavor.MARIADB).replicas(1).option("bind-address=0.0.0.0")
                        .option(maxConnections.replace('_', '-')).option("thread-handling=pool-of-threads").build(),
                () -> Topology.builder(Flavor.MYSQL).replicas(1).option("bind_address=0.0.0.0").option(maxConnections).build()));
    }

    @Override
    DbServer startHung() {
        return DbServer.builder(Flavor.MARIADB).serverId(90).option("bind-address=0.0.0.0")
                .option("max-connections=" + (HUNG + 100)).start();
    }

    /** The shipped defaults, but no listeners: this measures polling and rules. */
    @Override
    Map<String, String> settings() {
        return Map.of("sentinel.binlog.enabled", "false");
    }
}
