package io.replsentinel.binlog;

import io.replsentinel.event.ChannelStatus;
import io.replsentinel.event.ReplicaHost;
import io.replsentinel.event.ReplicationStatus;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every server_id the pollers have seen, fed in-process by the poll side with each status it
 * publishes: the instance's own id, its sources' ids and the ids of the replicas its source lists.
 * The listeners pick their ids outside this set.
 */
@ApplicationScoped
public class ServerIdRegistry {

    private final Map<String, Set<Long>> byInstance = new ConcurrentHashMap<>();
    private final Set<String> polled = ConcurrentHashMap.newKeySet();

    /** Records the ids one status shows; called by the poller for every status it publishes. */
    public void record(ReplicationStatus status) {
        Set<Long> ids = new HashSet<>();
        if (status.serverId() != null) {
            ids.add(status.serverId());
        }
        for (ChannelStatus ch : status.channels()) {
            if (ch.sourceServerId() != null) {
                ids.add(ch.sourceServerId());
            }
        }
        for (ReplicaHost r : status.replicas()) {
            if (r.serverId() != null) {
                ids.add(r.serverId());
            }
        }
        record(status.cluster(), status.instance(), ids, status.reachable());
    }

    /**
     * Records the ids one poll of one instance showed; an unreachable instance keeps the ids it
     * showed last, since its servers still hold them.
     */
    public void record(String cluster, String instance, Set<Long> ids, boolean reachable) {
        String key = cluster + "/" + instance;
        Set<Long> known = byInstance.get(key);
        if (known == null || reachable && !known.equals(ids)) {
            byInstance.put(key, Set.copyOf(ids));
        }
        // every polling thread passes here on every poll: only an instance's first poll takes the lock
        // that wakes a waiting awaitPolled, which checks under it
        if (polled.add(key)) {
            synchronized (this) {
                notifyAll();
            }
        }
    }

    /** Every id seen on any instance. */
    public Set<Long> seen() {
        Set<Long> all = new HashSet<>();
        byInstance.values().forEach(all::addAll);
        return all;
    }

    /** Waits until each of {@code instances} ({@code cluster/host:port}) has been polled once, or the timeout. */
    public synchronized boolean awaitPolled(Collection<String> instances, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!polled.containsAll(instances)) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            wait(Math.max(1, left / 1_000_000));
        }
        return true;
    }
}
