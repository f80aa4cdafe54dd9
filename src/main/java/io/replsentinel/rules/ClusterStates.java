package io.replsentinel.rules;

import io.replsentinel.event.Alert;
import io.replsentinel.event.ReplicationStatus;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The clusters this node evaluates, as the rules engine keeps them: the store the REST API reads
 * (latest statuses, observed topology, firing alerts), written only by the {@link RulesEngine}.
 */
@ApplicationScoped
public class ClusterStates {

    private final Map<String, ClusterState> clusters = new ConcurrentHashMap<>();

    /** The firing alerts of one cluster. */
    public List<Alert> firing(String cluster) {
        return read(cluster, s -> s.tracker.firing()).orElse(List.of());
    }

    /** The latest statuses of one cluster's instances, as the engine sees them. */
    public Optional<List<ReplicationStatus>> statuses(String cluster) {
        return read(cluster, s -> List.copyOf(s.view.instances()));
    }

    /** Roles and replication edges of one cluster as the servers show them. */
    public Optional<ObservedTopology> topology(String cluster) {
        return read(cluster, s -> ObservedTopology.of(s.view));
    }

    private <T> Optional<T> read(String cluster, Function<ClusterState, T> what) {
        ClusterState state = clusters.get(cluster);
        if (state == null) {
            return Optional.empty();
        }
        synchronized (state) {
            return Optional.of(what.apply(state));
        }
    }

    ClusterState get(String cluster) {
        return clusters.get(cluster);
    }

    ClusterState computeIfAbsent(String cluster, Function<String, ClusterState> create) {
        return clusters.computeIfAbsent(cluster, create);
    }

    void put(ClusterState state) {
        clusters.put(state.cluster, state);
    }

    /** Removes and returns the clusters that match. */
    List<ClusterState> removeIf(Predicate<ClusterState> filter) {
        List<ClusterState> removed = new ArrayList<>();
        clusters.values().removeIf(s -> filter.test(s) && removed.add(s));
        return removed;
    }

    Collection<ClusterState> all() {
        return clusters.values();
    }
}
