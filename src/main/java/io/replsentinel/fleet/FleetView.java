package io.replsentinel.fleet;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.replsentinel.event.Alert;
import io.replsentinel.event.ReplicationStatus;
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
import java.util.concurrent.ConcurrentHashMap;

/**
 * The whole fleet as every node's API sees it when the fleet is shared: one reader per node, in no
 * consumer group, follows every partition of the status topic (from its end: each instance's
 * latest status arrives within one poll interval), the compacted alert-state topic (from its
 * beginning: every cluster's firing alerts, whoever owns it) and the alerts topic (from
 * {@code sentinel.rules.resolved-retention} ago: the recently resolved). Statuses are kept as the
 * JSON text they came in and read only when the API asks, so following 5,000 instances at 1 s
 * costs the copy of each record, not its parsing. A late status from a node that lost the cluster
 * can show for one poll interval, until the owner's next.
 */
@ApplicationScoped
public class FleetView {

    private static final Logger LOG = Logger.getLogger(FleetView.class);
    private static final String SUBJECT = "ce_subject";

    private final boolean enabled;
    private final ClusterOwnership ownership;
    private final SentinelConfig config;
    private final AlertStateTopic stateTopic;
    private final ObjectMapper json;
    /** Cluster to instance to the latest status's JSON. */
    private final Map<String, Map<String, String>> statuses = new ConcurrentHashMap<>();
    /** Cluster to its alert state as last written by its owner. */
    private final Map<String, AlertState> states = new ConcurrentHashMap<>();
    /** Fingerprint to the latest resolved change seen, while within retention. */
    private final Map<String, Alert> resolved = new ConcurrentHashMap<>();
    private volatile KafkaConsumer<String, String> consumer;
    private volatile boolean running;
    private Thread thread;

    public FleetView(FleetConfig fleet, ClusterOwnership ownership, SentinelConfig config, AlertStateTopic stateTopic,
                     ObjectMapper json) {
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
     * latest statuses and every alert's latest evidence (the alert-state topic gets a cluster's state
     * when an alert changes, not each time its evidence does).
     */
    public boolean answersFor(String cluster) {
        return enabled && !ownership.works(cluster);
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
        KafkaConsumer<String, String> c = consumer;
        if (c != null) {
            c.wakeup();
        }
    }

    private void follow() {
        while (running) {
            try (KafkaConsumer<String, String> c = new KafkaConsumer<>(stateTopic.readerConfig("repl-sentinel-fleet-view"),
                    new StringDeserializer(), new StringDeserializer())) {
                consumer = c;
                assign(c);
                while (running) {
                    for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(500))) {
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

    private void assign(KafkaConsumer<String, String> c) {
        SentinelConfig.Topics topics = config.topics();
        List<TopicPartition> status = partitions(c, topics.status());
        List<TopicPartition> state = partitions(c, stateTopic.topic());
        List<TopicPartition> alerts = partitions(c, topics.alerts());
        List<TopicPartition> all = new ArrayList<>(status);
        all.addAll(state);
        all.addAll(alerts);
        c.assign(all);
        c.seekToEnd(status);
        c.seekToBeginning(state);
        long since = Instant.now().minus(config.rules().resolvedRetention()).toEpochMilli();
        Map<TopicPartition, Long> times = new HashMap<>();
        alerts.forEach(tp -> times.put(tp, since));
        Map<TopicPartition, OffsetAndTimestamp> offsets = c.offsetsForTimes(times);
        for (TopicPartition tp : alerts) {
            OffsetAndTimestamp at = offsets.get(tp);
            if (at != null) {
                c.seek(tp, at.offset());
            } else {
                c.seekToEnd(List.of(tp));
            }
        }
        LOG.infof("Following the fleet: %d status, %d alert-state and %d alert partition(s)", status.size(), state.size(),
                alerts.size());
    }

    /** The topic's partitions, waiting for the topic to exist (the service creates it at start-up). */
    private List<TopicPartition> partitions(KafkaConsumer<String, String> c, String topic) {
        while (running) {
            var infos = c.partitionsFor(topic, Duration.ofSeconds(10));
            if (infos != null && !infos.isEmpty()) {
                return infos.stream().map(i -> new TopicPartition(topic, i.partition())).toList();
            }
            sleep(Duration.ofMillis(500));
        }
        throw new WakeupException();
    }

    private void take(ConsumerRecord<String, String> r) {
        String topic = r.topic();
        if (topic.equals(config.topics().status())) {
            Header subject = r.headers().lastHeader(SUBJECT);
            if (r.key() != null && r.value() != null && subject != null) {
                statuses.computeIfAbsent(r.key(), k -> new ConcurrentHashMap<>())
                        .put(new String(subject.value(), StandardCharsets.UTF_8), r.value());
            }
        } else if (topic.equals(stateTopic.topic())) {
            if (r.key() == null) {
                return;
            }
            if (r.value() == null) {
                states.remove(r.key());
                return;
            }
            read(r, AlertState.class).ifPresent(s -> states.put(r.key(), s));
        } else {
            read(r, Alert.class).filter(a -> !a.firing()).ifPresent(a -> resolved.put(a.fingerprint(), a));
            Instant horizon = Instant.now().minus(config.rules().resolvedRetention());
            resolved.values().removeIf(a -> a.endsAt() != null && a.endsAt().isBefore(horizon));
        }
    }

    private <T> Optional<T> read(ConsumerRecord<String, String> r, Class<T> type) {
        try {
            return Optional.ofNullable(json.readValue(r.value(), type));
        } catch (Exception e) {
            LOG.debugf("The fleet view skips an unreadable record of %s-%d@%d: %s", r.topic(), r.partition(), r.offset(),
                    e.getMessage());
            return Optional.empty();
        }
    }

    /** The latest status of each instance of one cluster, whichever node polled it. */
    public List<ReplicationStatus> statuses(String cluster) {
        Map<String, String> raw = statuses.get(cluster);
        if (raw == null) {
            return List.of();
        }
        List<ReplicationStatus> result = new ArrayList<>();
        raw.values().forEach(text -> {
            try {
                result.add(json.readValue(text, ReplicationStatus.class));
            } catch (Exception e) {
                LOG.debugf("The fleet view skips an unreadable status of %s: %s", cluster, e.getMessage());
            }
        });
        return result;
    }

    /** The firing alerts of one cluster, as its owner last wrote its state. */
    public List<Alert> firing(String cluster) {
        AlertState s = states.get(cluster);
        if (s == null) {
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
        alerts().stream().filter(a -> answersFor(a.labels().get("cluster"))).forEach(all::add);
        List<Alert> result = new ArrayList<>(all.stream().filter(Alert::firing).sorted(Comparator.comparing(Alert::startsAt)).toList());
        result.addAll(all.stream().filter(a -> !a.firing())
                .sorted(Comparator.comparing(Alert::endsAt, Comparator.nullsLast(Comparator.naturalOrder())).reversed()).toList());
        return result;
    }

    /** Every firing alert of the fleet (oldest first), then the recently resolved ones (newest first), as this view has them. */
    public List<Alert> alerts() {
        List<Alert> firing = new ArrayList<>();
        states.keySet().forEach(c -> firing.addAll(firing(c)));
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
