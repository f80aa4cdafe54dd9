package io.replsentinel.bench;

import io.replsentinel.lab.DbServer;
import io.replsentinel.lab.Flavor;
import io.replsentinel.lab.Topology;

import java.util.List;

/**
 * Twenty real MySQL instances for the price of one: one MySQL 9.7 server listening on 127.0.0.1 to
 * 127.0.0.20, each address an instance of its own cluster in the inventory (so no rule sees twenty
 * copies of one server id), plus a second MySQL server, alone in its cluster, for a benchmark to hang.
 */
public class LoopbackFleetResource extends FleetResource {

    static final int FLEET = 20;
    static final String FLEET_CLUSTER_PREFIX = "fleet-";
    private static final Shape SHAPE = new Shape(FLEET_CLUSTER_PREFIX, FLEET, 1, 1, 0, 0, 0);
    /** The hung server's one entry: block 0 is 127.0.0.1, where a lab server listens by default. */
    static final String HUNG_CLUSTER = SHAPE.hungPrefix() + 0;

    public LoopbackFleetResource() {
        super(SHAPE);
    }

    static DbServer hung() {
        return running(LoopbackFleetResource.class).hungServer();
    }

    @Override
    List<Topology> startLive(int perServer) {
        return List.of(Topology.builder(Flavor.MYSQL).replicas(0)
                .option("bind_address=" + String.join(",", addresses(0, perServer))).option("max_connections=100").build());
    }

    @Override
    DbServer startHung() {
        return DbServer.builder(Flavor.MYSQL).serverId(2).start();
    }
}
