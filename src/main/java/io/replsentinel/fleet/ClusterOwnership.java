package io.replsentinel.fleet;

import io.replsentinel.binlog.BinlogListeners;
import io.replsentinel.event.PollerIdentity;
import io.replsentinel.inventory.Inventory;
import io.replsentinel.inventory.InventoryChanged;
import io.replsentinel.inventory.SentinelConfig;
import io.replsentinel.inventory.WatchedInstance;
import io.replsentinel.poll.PollScheduler;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Which clusters this node works, the fleet being shared (the default, {@code sentinel.fleet.enabled}): those
 * whose status records fall in a partition the rules engine's consumer group assigned to this node.
 * It starts and stops the clusters' pollers and binlog listeners as partitions come and go, and
 * stamps each poll with the group generation under which the node acquired the partition, so a
 * late status from a node that has since lost the cluster is older than every status of its new
 * owner. Called on the status consumer's polling thread (assignments) and on the inventory's.
 */
@ApplicationScoped
public class ClusterOwnership {

    private static final Logger LOG = Logger.getLogger(ClusterOwnership.class);

    private final boolean enabled;
    private final String node;
    private final String statusTopic;
    private final Inventory inventory;
    private final PollScheduler pollers;
    private final BinlogListeners listeners;
    /** Owned status partition to the identity its clusters' polls carry: the generation it was acquired under. */
    private final Map<Integer, PollerIdentity> owned = new ConcurrentHashMap<>();
    private final PollerIdentity unshared;
    /** Clusters whose pollers and listeners run on this node now; guarded by this. */
    private final Set<String> working = new TreeSet<>();
    private volatile int partitions;
    /** The poll interval: a start's first polls are spread over it. */
    private final Duration interval;
    /** Whether this node has already taken clusters: later ones are hand-overs, polled again at once. */
    private boolean handedOver;
    /** A hand-over's first polls are spread over this much, not over the interval. */
    static final Duration HANDOVER_FIRST_POLL = Duration.ofMillis(200);
    /** Opened by the first assignment that gives this node a partition (at once when the fleet is not shared). */
    private final CountDownLatch firstShare = new CountDownLatch(1);
    /** Counts the changes of {@link #owned}, so the fleet view sees that its share moved without a callback. */
    private final java.util.concurrent.atomic.AtomicLong shareChanges = new java.util.concurrent.atomic.AtomicLong();

    public ClusterOwnership(FleetConfig fleet, SentinelConfig config, Inventory inventory, PollScheduler pollers,
                            BinlogListeners listeners) {
        this.enabled = fleet.enabled();
        this.node = config.node().name().orElseGet(ClusterOwnership::hostName);
        this.statusTopic = config.topics().status();
        this.interval = config.poll().interval();
        this.inventory = inventory;
        this.pollers = pollers;
        this.listeners = listeners;
        this.unshared = new PollerIdentity(node, 0);
        if (!enabled) {
            firstShare.countDown();
        }
    }

    /** Whether polling follows partition ownership. */
    public boolean enabled() {
        return enabled;
    }

    /** This node's name in every status it publishes. */
    public String node() {
        return node;
    }

    /** The identity a poll of this cluster carries now. */
    public PollerIdentity identity(String cluster) {
        if (!enabled) {
            return unshared;
        }
        int count = partitions;
        PollerIdentity id = count > 0 ? owned.get(StatusPartitioner.partition(cluster, count)) : null;
        // a poll still in flight after its partition left: the oldest generation there is, so it never wins
        return id != null ? id : new PollerIdentity(node, 0);
    }

    /**
     * Waits until this node has been assigned its first status partitions, so polls its share of the
     * fleet (a node alone: all of it); true at once when the fleet is not shared.
     *
     * @return false when none came within {@code timeout}
     */
    public boolean awaitFirstShare(Duration timeout) throws InterruptedException {
        return firstShare.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * The status partitions this node owns now: their clusters are answered from its own engine, so
     * the fleet view need not read them.
     */
    public Set<Integer> ownedPartitions() {
        return Set.copyOf(owned.keySet());
    }

    /** Grows each time {@link #ownedPartitions()} changes. */
    public long shareChanges() {
        return shareChanges.get();
    }

    /** Whether this node works the cluster now. */
    public synchronized boolean works(String cluster) {
        return !enabled || working.contains(cluster);
    }

    /**
     * Status partitions newly assigned: their clusters are polled and listened to from now on,
     * under the group generation the consumer has just joined.
     */
    public void assigned(Consumer<?, ?> consumer, Collection<TopicPartition> assigned) {
        if (!enabled) {
            return;
        }
        if (!assigned.isEmpty()) {
            long generation = consumer.groupMetadata().generationId();
            partitions = consumer.partitionsFor(statusTopic).size();
            PollerIdentity identity = new PollerIdentity(node, generation);
            assigned.forEach(tp -> owned.put(tp.partition(), identity));
            shareChanges.incrementAndGet();
            LOG.infof("Status partition(s) %s assigned to node %s under generation %d", numbers(assigned), node, generation);
        }
        reconcile();
        if (!assigned.isEmpty()) {
            firstShare.countDown();
        }
    }

    /** Status partitions taken away (revoked or lost): their clusters' pollers and listeners stop now. */
    public void revoked(Collection<TopicPartition> revoked) {
        if (!enabled || revoked.isEmpty()) {
            return;
        }
        revoked.forEach(tp -> owned.remove(tp.partition()));
        shareChanges.incrementAndGet();
        reconcile();
    }

    void inventoryChanged(@Observes InventoryChanged change) {
        if (enabled) {
            reconcile();
        }
    }

    /** Starts what this node now owns and stops what it no longer does. */
    private synchronized void reconcile() {
        int count = partitions;
        Map<String, List<WatchedInstance>> all = inventory.clusters();
        Set<String> wanted = new TreeSet<>();
        if (count > 0) {
            all.keySet().stream().filter(c -> owned.containsKey(StatusPartitioner.partition(c, count))).forEach(wanted::add);
        }
        Set<String> stop = new TreeSet<>(working);
        stop.removeAll(wanted);
        Set<String> start = new TreeSet<>(wanted);
        start.removeAll(working);
        for (String cluster : stop) {
            working.remove(cluster);
            pollers.unwatchCluster(cluster);
            listeners.unwatchCluster(cluster);
        }
        for (String cluster : start) {
            working.add(cluster);
            // a cluster taken over from another node is polled again at once; the first share this
            // node takes at its start is spread over the interval like any start
            Duration within = handedOver ? HANDOVER_FIRST_POLL : interval;
            all.get(cluster).forEach(i -> pollers.watch(i, within));
            listeners.watchCluster(cluster);
        }
        handedOver = handedOver || !start.isEmpty();
        if (!stop.isEmpty() || !start.isEmpty()) {
            LOG.infof("Node %s now works %d cluster(s): started %s, stopped %s", node, working.size(), start, stop);
        }
    }

    private static List<Integer> numbers(Collection<TopicPartition> partitions) {
        return partitions.stream().map(TopicPartition::partition).sorted().toList();
    }

    static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            return "localhost";
        }
    }
}
