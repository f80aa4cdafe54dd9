package io.replsentinel.bench;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.replsentinel.lab.DbServer;
import io.replsentinel.lab.Flavor;
import io.replsentinel.lab.Topology;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * Twenty real MySQL instances for the price of one: one MySQL 9.7 server listening on 127.0.0.1 to
 * 127.0.0.20, each address an instance of its own cluster in the inventory (so no rule sees twenty
 * copies of one server id), plus a second MySQL server, alone in its cluster, for a benchmark to hang.
 */
public class LoopbackFleetResource implements QuarkusTestResourceLifecycleManager {

    static final int FLEET = 20;
    static final String HUNG_CLUSTER = "hung";
    static final String FLEET_CLUSTER_PREFIX = "fleet-";

    private static DbServer fleet;
    private static DbServer hung;

    static List<String> fleetAddresses() {
        return IntStream.rangeClosed(1, FLEET).mapToObj(i -> "127.0.0." + i).toList();
    }

    static DbServer fleet() {
        return fleet;
    }

    static DbServer hung() {
        return hung;
    }

    @Override
    public Map<String, String> start() {
        fleet = DbServer.builder(Flavor.MYSQL).serverId(1)
                .option("bind_address=" + String.join(",", fleetAddresses())).option("max_connections=100").start();
        hung = DbServer.builder(Flavor.MYSQL).serverId(2).start();
        Map<String, String> config = new LinkedHashMap<>();
        for (DbServer s : List.of(fleet, hung)) {
            s.exec("CREATE USER '" + Topology.MONITOR_USER + "'@'%' IDENTIFIED WITH caching_sha2_password BY '"
                            + Topology.MONITOR_PASSWORD + "'",
                    "GRANT REPLICATION CLIENT, REPLICATION SLAVE, PROCESS ON *.* TO '" + Topology.MONITOR_USER + "'@'%'",
                    "GRANT SELECT ON performance_schema.* TO '" + Topology.MONITOR_USER + "'@'%'");
        }
        List<String> addresses = fleetAddresses();
        for (int i = 0; i < addresses.size(); i++) {
            cluster(config, FLEET_CLUSTER_PREFIX + (i + 1), addresses.get(i), fleet.port());
        }
        cluster(config, HUNG_CLUSTER, hung.host(), hung.port());
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
        if (hung != null) {
            hung.close();
        }
        if (fleet != null) {
            fleet.close();
        }
        hung = null;
        fleet = null;
    }
}
