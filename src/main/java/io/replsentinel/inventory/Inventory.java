package io.replsentinel.inventory;

import io.quarkus.runtime.Startup;
import jakarta.enterprise.event.Event;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The clusters and instances to watch: those of {@code sentinel.clusters}, checked once at start-up,
 * plus those added at runtime through the API (read back from the inventory topic). Type errors of
 * the configuration (a port that is not a number, an unknown role, a missing host) are caught by the
 * configuration layer with the key named; this class adds the checks that span entries, and applies
 * the same checks to runtime clusters. Every runtime change fires {@link InventoryChanged}.
 */
@Startup
@Singleton
public class Inventory {

    private static final Logger LOG = Logger.getLogger(Inventory.class);
    /** A cluster name is a Kafka key, a metric label and a URL path segment. */
    private static final Pattern CLUSTER_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");

    private final Map<String, List<WatchedInstance>> configured;
    private final Map<String, Optional<Boolean>> configuredBinlog = new TreeMap<>();
    private final Map<String, Account> configuredRemediation = new TreeMap<>();
    private final boolean heartbeatByDefault;
    private final Event<InventoryChanged> events;
    private final Map<String, RuntimeCluster> runtime = new TreeMap<>();
    private volatile Map<String, List<WatchedInstance>> snapshot;

    @Inject
    public Inventory(SentinelConfig config, Event<InventoryChanged> events) {
        this(config.clusters(), config.heartbeat().enabled(), events);
    }

    Inventory(Map<String, SentinelConfig.Cluster> configured, boolean heartbeatByDefault) {
        this(configured, heartbeatByDefault, null);
    }

    private Inventory(Map<String, SentinelConfig.Cluster> configured, boolean heartbeatByDefault,
                      Event<InventoryChanged> events) {
        this.configured = Collections.unmodifiableMap(build(configured, heartbeatByDefault));
        this.heartbeatByDefault = heartbeatByDefault;
        this.events = events;
        configured.forEach((name, c) -> {
            configuredBinlog.put(name, c.binlogListener());
            c.remediationUser().ifPresent(u -> configuredRemediation.put(name,
                    new Account(u, new Secret(c.remediationPassword().orElse("")))));
        });
        this.snapshot = this.configured;
    }

    static Map<String, List<WatchedInstance>> build(Map<String, SentinelConfig.Cluster> configured,
                                                    boolean heartbeatByDefault) {
        Map<String, List<WatchedInstance>> result = new LinkedHashMap<>();
        Map<String, String> seen = new LinkedHashMap<>();
        configured.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(entry -> {
            String cluster = entry.getKey();
            SentinelConfig.Cluster c = entry.getValue();
            List<InstanceInput> inputs = c.instances().stream()
                    .map(in -> new InstanceInput(in.host(), in.port(), in.role().map(Enum::name), in.labels())).toList();
            result.put(cluster, instancesOf(cluster, "sentinel.clusters." + cluster + ".", c.user(),
                    new Secret(c.password().orElse("")), inputs, c.heartbeat().orElse(heartbeatByDefault), seen));
        });
        return result;
    }

    /** One instance entry, whether from the configuration or from a {@link ClusterDefinition}. */
    record InstanceInput(String host, int port, Optional<String> role, Map<String, String> labels) {
    }

    /**
     * The checked instances of one cluster. {@code keyPrefix} is put before each field named in an
     * error ({@code sentinel.clusters.orders.} for the configuration, empty for the API);
     * {@code seen} maps the instance ids already in the inventory to where they are listed.
     */
    static List<WatchedInstance> instancesOf(String cluster, String keyPrefix, String user, Secret password,
                                             List<InstanceInput> inputs, boolean heartbeat, Map<String, String> seen) {
        if (inputs.isEmpty()) {
            throw new InventoryException(keyPrefix + "instances", "cluster '" + cluster + "' has no instances");
        }
        List<WatchedInstance> instances = new ArrayList<>();
        for (int i = 0; i < inputs.size(); i++) {
            InstanceInput in = inputs.get(i);
            String key = keyPrefix + "instances[" + i + "]";
            String host = in.host() == null ? "" : in.host().trim();
            if (host.isEmpty() || host.contains(" ") || host.contains("/")) {
                throw new InventoryException(key + ".host", "'" + in.host() + "' is not a host name or address");
            }
            if (in.port() < 1 || in.port() > 65535) {
                throw new InventoryException(key + ".port", in.port() + " is not a TCP port (1-65535)");
            }
            WatchedInstance w = new WatchedInstance(cluster, host, in.port(), user, password, in.role(), in.labels(),
                    heartbeat);
            String previous = seen.putIfAbsent(w.id(), key);
            if (previous != null) {
                throw new InventoryException(key, "instance " + w.id() + " is listed twice (also at " + previous + ")");
            }
            instances.add(w);
        }
        return List.copyOf(instances);
    }

    /**
     * Checks a definition from the API against the configuration's rules and the current inventory,
     * and returns the cluster it describes. Errors name the field ({@code instances[0].port}).
     *
     * @throws InventoryException on a malformed field, or an instance already watched elsewhere
     * @throws ClusterExistsException when a cluster of that name exists
     */
    public synchronized RuntimeCluster check(ClusterDefinition d, java.time.Instant addedAt, String addedBy) {
        RuntimeCluster c = resolve(d, addedAt, addedBy);
        if (snapshot.containsKey(c.name())) {
            throw new ClusterExistsException(c.name(), configured.containsKey(c.name()));
        }
        return c;
    }

    /** The cluster a stored definition describes, checked against the inventory without it. */
    public RuntimeCluster resolve(ClusterDefinition d, java.time.Instant addedAt, String addedBy) {
        if (d.name() == null || !CLUSTER_NAME.matcher(d.name()).matches()) {
            throw new InventoryException("name", "'" + d.name() + "' is not a cluster name (letters, digits, '.', '_', '-'; "
                    + "at most 100, starting with a letter or digit)");
        }
        if (d.user() == null || d.user().isBlank()) {
            throw new InventoryException("user", "the monitoring user is required");
        }
        if (d.instances() == null || d.instances().isEmpty()) {
            throw new InventoryException("instances", "cluster '" + d.name() + "' has no instances");
        }
        if (d.remediationPassword() != null && d.remediationUser() == null) {
            throw new InventoryException("remediation-user", "a remediation password needs its user");
        }
        List<InstanceInput> inputs = new ArrayList<>();
        for (int i = 0; i < d.instances().size(); i++) {
            ClusterDefinition.InstanceDefinition in = d.instances().get(i);
            if (in == null) {
                throw new InventoryException("instances[" + i + "]", "is empty");
            }
            Optional<String> role = Optional.ofNullable(in.role());
            if (role.isPresent() && !Set.of("primary", "replica").contains(role.get())) {
                throw new InventoryException("instances[" + i + "].role", "'" + in.role() + "' is not primary or replica");
            }
            Map<String, String> labels = in.labels() == null ? Map.of() : in.labels();
            for (Map.Entry<String, String> l : labels.entrySet()) {
                if (l.getKey().isBlank() || l.getValue() == null) {
                    throw new InventoryException("instances[" + i + "].labels", "a label needs a name and a value");
                }
            }
            inputs.add(new InstanceInput(in.host(), in.port() == null ? 3306 : in.port(), role, labels));
        }
        Map<String, String> seen = new LinkedHashMap<>();
        snapshot.forEach((cluster, instances) -> {
            if (!cluster.equals(d.name())) {
                instances.forEach(w -> seen.put(w.id(), "cluster " + cluster));
            }
        });
        List<WatchedInstance> instances = instancesOf(d.name(), "", d.user(),
                new Secret(d.password() == null ? "" : d.password()), inputs,
                d.heartbeat() == null ? heartbeatByDefault : d.heartbeat(), seen);
        Optional<Account> remediation = Optional.ofNullable(d.remediationUser())
                .map(u -> new Account(u, new Secret(d.remediationPassword())));
        return new RuntimeCluster(d.name(), instances, remediation, Optional.ofNullable(d.binlogListener()),
                addedAt, addedBy);
    }

    /**
     * Adds or replaces a runtime cluster read from the inventory topic; a name the configuration
     * defines keeps its configured definition (logged). Fires {@link InventoryChanged} when
     * {@code announce} (not during the start-up read, which happens before anything watches).
     */
    public void putRuntime(RuntimeCluster cluster, boolean announce) {
        boolean replaced;
        synchronized (this) {
            if (configured.containsKey(cluster.name())) {
                LOG.warnf("Cluster %s of the inventory topic is also in sentinel.clusters: the configured one is watched",
                        cluster.name());
                return;
            }
            replaced = runtime.put(cluster.name(), cluster) != null;
            rebuild();
        }
        if (announce) {
            if (replaced) {
                fire(new InventoryChanged(Set.of(), Set.of(cluster.name())));
            }
            fire(new InventoryChanged(Set.of(cluster.name()), Set.of()));
        }
    }

    /** Removes a runtime cluster (a tombstone on the inventory topic); fires {@link InventoryChanged} when {@code announce}. */
    public void removeRuntime(String name, boolean announce) {
        synchronized (this) {
            if (runtime.remove(name) == null) {
                return;
            }
            rebuild();
        }
        if (announce) {
            fire(new InventoryChanged(Set.of(), Set.of(name)));
        }
    }

    private void rebuild() {
        Map<String, List<WatchedInstance>> merged = new LinkedHashMap<>(configured);
        runtime.forEach((name, c) -> merged.put(name, c.instances()));
        snapshot = Collections.unmodifiableMap(merged);
    }

    private void fire(InventoryChanged change) {
        if (events != null) {
            events.fire(change);
        }
    }

    /** The ids (host:port, as statuses name them) of a cluster's instances now; empty once it is removed. */
    public java.util.Set<String> instanceIds(String cluster) {
        List<WatchedInstance> instances = snapshot.get(cluster);
        return instances == null ? java.util.Set.of()
                : instances.stream().map(WatchedInstance::id).collect(java.util.stream.Collectors.toUnmodifiableSet());
    }

    /** Cluster name to its instances, configured clusters first, in inventory order. */
    public Map<String, List<WatchedInstance>> clusters() {
        return snapshot;
    }

    public List<WatchedInstance> all() {
        return snapshot.values().stream().flatMap(List::stream).toList();
    }

    /** Whether the cluster comes from {@code sentinel.clusters} (and so cannot be removed through the API). */
    public boolean isConfigured(String cluster) {
        return configured.containsKey(cluster);
    }

    /** The runtime cluster of that name, if any. */
    public synchronized Optional<RuntimeCluster> runtimeCluster(String cluster) {
        return Optional.ofNullable(runtime.get(cluster));
    }

    /** A cluster's own binlog-listener switch, configured or given when it was added. */
    public synchronized Optional<Boolean> binlogListener(String cluster) {
        if (configured.containsKey(cluster)) {
            return configuredBinlog.getOrDefault(cluster, Optional.empty());
        }
        return Optional.ofNullable(runtime.get(cluster)).flatMap(RuntimeCluster::binlogListener);
    }

    /** The account the remediation executor logs in with on a cluster, when one is given. */
    public synchronized Optional<Account> remediationAccount(String cluster) {
        if (configured.containsKey(cluster)) {
            return Optional.ofNullable(configuredRemediation.get(cluster));
        }
        return Optional.ofNullable(runtime.get(cluster)).flatMap(RuntimeCluster::remediation);
    }
}
