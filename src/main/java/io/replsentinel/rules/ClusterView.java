package io.replsentinel.rules;

import io.replsentinel.event.ReplicationStatus;

import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** The latest status of every instance of one cluster, as the rules engine has seen them. */
public final class ClusterView {

    private final String cluster;
    private final Map<String, ReplicationStatus> latest = new TreeMap<>();

    public ClusterView(String cluster) {
        this.cluster = cluster;
    }

    public String cluster() {
        return cluster;
    }

    /** Keeps the newer of two statuses of one instance: records can arrive out of poll order. */
    public boolean update(ReplicationStatus status) {
        ReplicationStatus previous = latest.get(status.instance());
        if (previous != null && previous.observedAt().isAfter(status.observedAt())) {
            return false;
        }
        latest.put(status.instance(), status);
        return true;
    }

    public Collection<ReplicationStatus> instances() {
        return latest.values();
    }

    public Optional<ReplicationStatus> instance(String id) {
        return Optional.ofNullable(latest.get(id));
    }
}
