package io.replsentinel.rules;

import io.replsentinel.event.ChannelStatus;
import io.replsentinel.event.ReplicationStatus;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** The latest status of every instance of one cluster, as the rules engine has seen them. */
public final class ClusterView {

    private final String cluster;
    /** How long a view must have been filling before membership questions are answered. */
    static final java.time.Duration WARM_UP = java.time.Duration.ofSeconds(5);

    private final Map<String, ReplicationStatus> latest = new TreeMap<>();
    private java.time.Instant firstSeen;
    private java.time.Instant lastSeen;
    private final TransactionStream stream = new TransactionStream();

    public ClusterView(String cluster) {
        this.cluster = cluster;
    }

    public String cluster() {
        return cluster;
    }

    /** What the cluster's binlog listeners said: their states and recent transactions. */
    public TransactionStream stream() {
        return stream;
    }

    /** Keeps the newer of two statuses of one instance: records can arrive out of poll order. */
    public boolean update(ReplicationStatus status) {
        ReplicationStatus previous = latest.get(status.instance());
        if (previous != null && previous.observedAt().isAfter(status.observedAt())) {
            return false;
        }
        latest.put(status.instance(), status);
        if (firstSeen == null || status.observedAt().isBefore(firstSeen)) {
            firstSeen = status.observedAt();
        }
        if (lastSeen == null || status.observedAt().isAfter(lastSeen)) {
            lastSeen = status.observedAt();
        }
        return true;
    }

    public Collection<ReplicationStatus> instances() {
        return latest.values();
    }

    public Optional<ReplicationStatus> instance(String id) {
        return Optional.ofNullable(latest.get(id));
    }

    /**
     * True once statuses have been arriving for {@link #WARM_UP}: before that, an instance missing
     * from the view may simply not have been polled yet, and "not in the cluster" would be a guess.
     */
    public boolean warm() {
        return firstSeen != null && !java.time.Duration.between(firstSeen, lastSeen).minus(WARM_UP).isNegative();
    }

    public List<ReplicationStatus> reachable() {
        return latest.values().stream().filter(ReplicationStatus::reachable).toList();
    }

    /**
     * The instance of this cluster a channel replicates from: the one whose host (or one of its
     * addresses) and port are the channel's source host and port, else, once the channel has
     * connected, the one whose server_uuid (MySQL) is the channel's source uuid.
     */
    public Optional<ReplicationStatus> sourceOf(ChannelStatus ch) {
        if (ch.sourcePort() != null) {
            for (ReplicationStatus s : latest.values()) {
                if (hostPort(s).equals(ch.sourceHost() + ":" + ch.sourcePort())) {
                    return Optional.of(s);
                }
            }
            for (ReplicationStatus s : latest.values()) {
                if (hostPort(s).endsWith(":" + ch.sourcePort())
                        && s.addresses().stream().anyMatch(ch.sourceAddresses()::contains)) {
                    return Optional.of(s);
                }
            }
        }
        if (ch.sourceUuid() != null) {
            return latest.values().stream().filter(s -> ch.sourceUuid().equals(s.serverUuid())).findFirst();
        }
        return Optional.empty();
    }

    /**
     * The primary as the servers show it: the one writable instance with no replication channel;
     * among several (or none), the one the inventory calls primary.
     */
    public Optional<ReplicationStatus> primary() {
        List<ReplicationStatus> writable = reachable().stream()
                .filter(s -> s.channels().isEmpty() && Boolean.FALSE.equals(s.readOnly())).toList();
        if (writable.size() == 1) {
            return Optional.of(writable.get(0));
        }
        List<ReplicationStatus> candidates = writable.isEmpty() ? List.copyOf(latest.values()) : writable;
        return candidates.stream().filter(s -> "primary".equals(s.expectedRole())).findFirst();
    }

    private static String hostPort(ReplicationStatus s) {
        return s.instance();
    }
}
