package io.replsentinel.fleet;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.replsentinel.event.Alert;
import io.replsentinel.event.ReplicationStatus;
import io.replsentinel.inventory.Inventory;
import io.replsentinel.inventory.InventoryChanged;
import io.replsentinel.inventory.SentinelConfig;
import io.replsentinel.state.AlertState;
import io.replsentinel.state.AlertStateTopic;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The whole fleet as every node's API sees it when the fleet is shared: one reader per node, in no
 * consumer group, follows the compacted alert-state topic (from its beginning: every cluster's
 * alerts, whoever owns it), the alerts topic (from {@code sentinel.rules.resolved-retention} ago:
 * the recently resolved) and the status partitions other nodes own. The status partitions this
 * node owns are not read at all: their clusters are answered from its own engine
 * ({@link #answersFor}), so a node alone reads no status, and a node among {@code n} reads
 * {@code (n-1)/n} of them. A partition that moves away is read from two poll intervals back, so the
 * latest status of each of its instances is there at once. Records are kept as the bytes they came
 * in, the latest per instance (status) or per cluster (alert state), and decoded only when the API
 * asks: following thousands of instances costs a copy of each record, no parsing, and no text.
 * A late status from a node that lost the cluster can show for one poll interval, until the
 * owner's next.
 */
@ApplicationScoped
public class FleetView {

    private static final Logger LOG = Logger.getLogger(FleetView.class);
    private static final String SUBJECT = "ce_subject";
    private static final Duration POLL = Duration.ofMillis(200);

    /** One cluster's alert state as its owner last wrote it: decoded on the first read after a write. */
    private static final class KeptState {
        final byte[] raw;
        volatile AlertState decoded;

        KeptState(byte[] raw) {
            this.raw = raw;
        }
    }

    private final boolean enabled;
    private final ClusterOwnership ownership;
    private final SentinelConfig config;
    private final AlertStateTopic stateTopic;
    private final ObjectMapper json;
    private final Inventory inventory;
    /** Cluster to instance to the latest status's JSON bytes, of the clusters other nodes work. */
    private final Map<String, Map<String, byte[]>> statuses = new ConcurrentHashMap<>();
    /** Cluster to its alert state as last written by its owner. */
    private final Map<String, KeptState> states = new ConcurrentHashMap<>();
    /** Fingerprint to the latest resolved change seen, while within retention. */
    private final Map<String, Alert> resolved = new ConcurrentHashMap<>();
    /** Status records read and kept, and read then dropped: what following the fleet costs. */
    private final AtomicLong statusesKept = new AtomicLong();
    private volatile KafkaConsumer<String, byte[]> consumer;
    private volatile boolean running;
    private Thread thread;

    public FleetView(FleetConfig fleet, ClusterOwnership ownership, SentinelConfig config, AlertStateTopic stateTopic,
                     ObjectMapper json, Inventory inventory) {
        this.inventory = inventory;
        this.enabled = fleet.enabled();
        this.ownership = ownership;
        this.config = config;
        this.stateTopic = stateTopic;
        this.json = json;
    }

    /** Whether the API answers from this view (a shared fleet) rather than from the node's own clusters. */
    public boolean enabled() {
        return enabled;
    }

    /**
     * Whether the API answers for {@code cluster} from this view: with a shared fleet, for the clusters
     * another node works. Those this node works are answered from its own engine, which holds their
     * latest statuses and every alert's latest evidence.
     */
    public boolean answersFor(String cluster) {
        return enabled && !ownership.works(cluster);
    }

    /** Status records this view has kept since start-up (those of the partitions other nodes own). */
    public long statusesKept() {
        return statusesKept.get();
    }

    void start(@Observes StartupEvent event) {
        if (!enabled) {
            return;
        }
        running = true;
        thread = new Thread(this::follow, "fleet-view");
        thread.setDaemon(true);
        thread.start();
    }

    void stop(@Observes ShutdownEvent event) {
        running = false;
        KafkaConsumer<String, byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
    }

    private void follow() {
        while (running) {
            try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(stateTopic.readerConfig("repl-sentinel-fleet-view"),
                    new StringDeserializer(), new ByteArrayDeserializer())) {
                consumer = c;
                Followed followed = assign(c);
                while (running) {
                    long changes = ownership.shareChanges();
                    if (changes != followed.shareChanges) {
                        followed = reassign(c, followed, changes);
                    }
                    for (ConsumerRecord<String, byte[]> r : c.poll(POLL)) {
                        take(r);
                    }
                }
            } catch (WakeupException stopping) {
                return;
            } catch (RuntimeException e) {
                if (!running) {
                    return;
                }
                LOG.warnf("The fleet view lost its reader (%s): starting again in 2 s", e.getMessage());
                sleep(Duration.ofSeconds(2));
            }
        }
    }

    /** What the reader is assigned: every partition of the other topics, and the status partitions of other nodes. */
    private record Followed(List<TopicPartition> status, List<TopicPartition> others, Set<Integer> followedStatus,
                            long shareChanges) {

        List<TopicPartition> all() {
            List<TopicPartition> all = new ArrayList<>(others);
            status.stream().filter(tp -> followedStatus.contains(tp.partition())).forEach(all::add);
            return all;
        }
    }

    private Followed assign(KafkaConsumer<String, byte[]> c) {
        SentinelConfig.Topics topics = config.topics();
        List<TopicPartition> status = partitions(c, topics.status());
        List<TopicPartition> state = partitions(c, stateTopic.topic());
        List<TopicPartition> alerts = partitions(c, topics.alerts());
        List<TopicPartition> others = new ArrayList<>(state);
        others.addAll(alerts);
        long changes = ownership.shareChanges();
        Followed followed = new Followed(status, others, notOwned(status), changes);
        List<TopicPartition> followedStatus = status.stream().filter(tp -> followed.followedStatus().contains(tp.partition())).toList();
        c.assign(followed.all());
        seekBack(c, followedStatus);
        c.seekToBeginning(state);
        long since = Instant.now().minus(config.rules().resolvedRetention()).toEpochMilli();
        seekTo(c, alerts, since);
        LOG.infof("Following the fleet: %d of %d status partition(s) (the others this node owns), %d alert-state and %d alert"
                + " partition(s)", followedStatus.size(), status.size(), state.size(), alerts.size());
        return followed;
    }

    /**
     * This node's share moved: stop reading the status partitions it now owns (and forget their
     * statuses: its engine answers for them), start reading those it gave up.
     */
    private Followed reassign(KafkaConsumer<String, byte[]> c, Followed was, long changes) {
        Set<Integer> now = notOwned(was.status());
        Followed followed = new Followed(was.status(), was.others(), now, changes);
        if (now.equals(was.followedStatus())) {
            return followed;
        }
        List<TopicPartition> added = was.status().stream()
                .filter(tp -> now.contains(tp.partition()) && !was.followedStatus().contains(tp.partition())).toList();
        c.assign(followed.all());
        seekBack(c, added);
        int count = was.status().size();
        statuses.keySet().removeIf(cluster -> !now.contains(StatusPartitioner.partition(cluster, count)));
        LOG.infof("The fleet view now reads status partition(s) %s (this node owns the others)", new TreeSet<>(now));
        return followed;
    }

    private Set<Integer> notOwned(List<TopicPartition> status) {
        Set<Integer> owned = ownership.ownedPartitions();
        Set<Integer> others = new TreeSet<>();
        status.forEach(tp -> {
            if (!owned.contains(tp.partition())) {
                others.add(tp.partition());
            }
        });
        return others;
    }

    /** Status partitions read from two poll intervals back: every live instance's latest status is in that span. */
    private void seekBack(KafkaConsumer<String, byte[]> c, List<TopicPartition> status) {
        seekTo(c, status, Instant.now().minus(config.poll().interval().multipliedBy(2)).toEpochMilli());
    }

    private static void seekTo(KafkaConsumer<String, byte[]> c, List<TopicPartition> partitions, long since) {
        if (partitions.isEmpty()) {
            return;
        }
        Map<TopicPartition, Long> times = new HashMap<>();
        partitions.forEach(tp -> times.put(tp, since));
        Map<TopicPartition, OffsetAndTimestamp> offsets = c.offsetsForTimes(times);
        for (TopicPartition tp : partitions) {
            OffsetAndTimestamp at = offsets.get(tp);
            if (at != null) {
                c.seek(tp, at.offset());
            } else {
                c.seekToEnd(List.of(tp));
            }
        }
    }

    /** The topic's partitions, waiting for the topic to exist (the service creates it at start-up). */
    private List<TopicPartition> partitions(KafkaConsumer<String, byte[]> c, String topic) {
        while (running) {
            var infos = c.partitionsFor(topic, Duration.ofSeconds(10));
            if (infos != null && !infos.isEmpty()) {
                return infos.stream().map(i -> new TopicPartition(topic, i.partition())).toList();
            }
            sleep(Duration.ofMillis(500));
        }
        throw new WakeupException();
    }

    private void take(ConsumerRecord<String, byte[]> r) {
        String topic = r.topic();
        if (topic.equals(config.topics().status())) {
            Header subject = r.headers().lastHeader(SUBJECT);
            // a status still in flight when its cluster left the inventory is not kept
            if (r.key() != null && r.value() != null && subject != null && inventory.clusters().containsKey(r.key())) {
                statuses.computeIfAbsent(r.key(), k -> new ConcurrentHashMap<>())
                        .put(new String(subject.value(), StandardCharsets.UTF_8), r.value());
                statusesKept.incrementAndGet();
            }
        } else if (topic.equals(stateTopic.topic())) {
            if (r.key() == null) {
                return;
            }
            if (r.value() == null) {
                states.remove(r.key());
                return;
            }
            states.put(r.key(), new KeptState(r.value()));
        } else {
            read(r.value(), Alert.class, r.topic()).filter(a -> !a.firing()).ifPresent(a -> resolved.put(a.fingerprint(), a));
            Instant horizon = Instant.now().minus(config.rules().resolvedRetention());
            resolved.values().removeIf(a -> a.endsAt() != null && a.endsAt().isBefore(horizon));
        }
    }

    /**
     * A cluster left the inventory or was redefined: the statuses of the instances it is no longer
     * defined with are dropped (its owner's engine tombstones its alert state, which this view reads).
     */
    void inventoryChanged(@Observes InventoryChanged change) {
        for (String cluster : change.removedClusters()) {
            Set<String> watched = inventory.instanceIds(cluster);
            if (watched.isEmpty()) {
                statuses.remove(cluster);
                continue;
            }
            Map<String, byte[]> kept = statuses.get(cluster);
            if (kept != null) {
                kept.keySet().removeIf(instance -> !watched.contains(instance));
            }
        }
    }

    private <T> Optional<T> read(byte[] value, Class<T> type, String what) {
        if (value == null) {
            return Optional.empty();
        }
        try {
            return Optional.ofNullable(json.readValue(value, type));
        } catch (Exception e) {
            LOG.debugf("The fleet view skips an unreadable record of %s: %s", what, e.getMessage());
            return Optional.empty();
        }
    }

    /** The latest status of each instance of one cluster, whichever node polled it. */
    public List<ReplicationStatus> statuses(String cluster) {
        Map<String, byte[]> raw = statuses.get(cluster);
        if (raw == null) {
            return List.of();
        }
        List<ReplicationStatus> result = new ArrayList<>();
        raw.values().forEach(bytes -> read(bytes, ReplicationStatus.class, "a status of " + cluster).ifPresent(result::add));
        return result;
    }

    /** One cluster's alert state as its owner last wrote it, decoded once per write. */
    private Optional<AlertState> state(String cluster) {
        KeptState kept = states.get(cluster);
        if (kept == null) {
            return Optional.empty();
        }
        AlertState s = kept.decoded;
        if (s == null) {
            s = read(kept.raw, AlertState.class, "the alert state of " + cluster).orElse(null);
            kept.decoded = s;
        }
        return Optional.ofNullable(s);
    }

    /** The firing alerts of one cluster, as its owner last wrote its state. */
    public List<Alert> firing(String cluster) {
        AlertState s = state(cluster).orElse(null);
        if (s == null || s.alerts() == null) {
            return List.of();
        }
        return s.alerts().stream().filter(AlertState.Tracked::firing).map(AlertState.Tracked::alert).toList();
    }

    /**
     * Every firing alert of the fleet (oldest first), then the recently resolved ones (newest first):
     * of the clusters this node works, those of {@code own} (its own store's, firing and resolved);
     * of the others, this view's.
     */
    public List<Alert> alerts(List<Alert> own) {
        List<Alert> all = new ArrayList<>();
        own.stream().filter(a -> !answersFor(a.labels().get("cluster"))).forEach(all::add);
        // only the other nodes' clusters' states are decoded: this node's own are answered from its store
        alerts(this::answersFor).stream().filter(a -> answersFor(a.labels().get("cluster"))).forEach(all::add);
        List<Alert> result = new ArrayList<>(all.stream().filter(Alert::firing).sorted(Comparator.comparing(Alert::startsAt)).toList());
        result.addAll(all.stream().filter(a -> !a.firing())
                .sorted(Comparator.comparing(Alert::endsAt, Comparator.nullsLast(Comparator.naturalOrder())).reversed()).toList());
        return result;
    }

    /** Every firing alert of the fleet (oldest first), then the recently resolved ones (newest first), as this view has them. */
    public List<Alert> alerts() {
        return alerts(cluster -> true);
    }

    private List<Alert> alerts(java.util.function.Predicate<String> clusters) {
        List<Alert> firing = new ArrayList<>();
        states.keySet().stream().filter(clusters).forEach(c -> firing.addAll(firing(c)));
        firing.sort(Comparator.comparing(Alert::startsAt));
        java.util.Set<String> firingNow = new java.util.HashSet<>();
        firing.forEach(a -> firingNow.add(a.fingerprint()));
        List<Alert> done = new ArrayList<>(resolved.values().stream().filter(a -> !firingNow.contains(a.fingerprint())).toList());
        done.sort(Comparator.comparing(Alert::endsAt, Comparator.nullsLast(Comparator.naturalOrder())).reversed());
        firing.addAll(done);
        return firing;
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
