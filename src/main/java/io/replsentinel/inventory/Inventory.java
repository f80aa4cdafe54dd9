package io.replsentinel.inventory;

import io.quarkus.runtime.Startup;
import jakarta.inject.Singleton;
import jakarta.inject.Inject;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The clusters and instances to watch, built from {@code sentinel.clusters} and checked once at
 * start-up. Type errors (a port that is not a number, an unknown role, a missing host) are caught
 * by the configuration layer with the key named; this class adds the checks that span entries.
 */
@Startup
@Singleton
public class Inventory {

    private final Map<String, List<WatchedInstance>> clusters;

    @Inject
    public Inventory(SentinelConfig config) {
        this(config.clusters(), config.heartbeat().enabled());
    }

    Inventory(Map<String, SentinelConfig.Cluster> configured, boolean heartbeatByDefault) {
        this.clusters = Collections.unmodifiableMap(build(configured, heartbeatByDefault));
    }

    static Map<String, List<WatchedInstance>> build(Map<String, SentinelConfig.Cluster> configured,
                                                    boolean heartbeatByDefault) {
        Map<String, List<WatchedInstance>> result = new LinkedHashMap<>();
        Map<String, String> seen = new LinkedHashMap<>();
        configured.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(entry -> {
            String cluster = entry.getKey();
            SentinelConfig.Cluster c = entry.getValue();
            if (c.instances().isEmpty()) {
                throw new InventoryException("sentinel.clusters." + cluster + ".instances",
                        "cluster '" + cluster + "' has no instances");
            }
            List<WatchedInstance> instances = new ArrayList<>();
            for (int i = 0; i < c.instances().size(); i++) {
                SentinelConfig.Instance in = c.instances().get(i);
                String key = "sentinel.clusters." + cluster + ".instances[" + i + "]";
                String host = in.host().trim();
                if (host.isEmpty() || host.contains(" ") || host.contains("/")) {
                    throw new InventoryException(key + ".host", "'" + in.host() + "' is not a host name or address");
                }
                if (in.port() < 1 || in.port() > 65535) {
                    throw new InventoryException(key + ".port", in.port() + " is not a TCP port (1-65535)");
                }
                WatchedInstance w = new WatchedInstance(cluster, host, in.port(), c.user(),
                        new Secret(c.password().orElse("")),
                        in.role().map(Enum::name), in.labels(), c.heartbeat().orElse(heartbeatByDefault));
                String previous = seen.putIfAbsent(w.id(), key);
                if (previous != null) {
                    throw new InventoryException(key, "instance " + w.id() + " is listed twice (also at " + previous + ")");
                }
                instances.add(w);
            }
            result.put(cluster, List.copyOf(instances));
        });
        return result;
    }

    /** Cluster name to its instances, in inventory order. */
    public Map<String, List<WatchedInstance>> clusters() {
        return clusters;
    }

    public List<WatchedInstance> all() {
        return clusters.values().stream().flatMap(List::stream).toList();
    }
}
