package io.replsentinel.state;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.replsentinel.inventory.SentinelConfig;
import io.replsentinel.kafka.KafkaClients;
import io.smallrye.common.annotation.Identifier;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Reads and writes the compacted alert-state topic ({@code sentinel.topics.alert-state}). A
 * cluster's record goes to the partition number of the cluster's status records, so the state of
 * the clusters on status partition N is exactly what state partition N holds: a node that is
 * assigned status partition N reads state partition N to its end before it evaluates anything.
 * Writes are idempotent and acknowledged by all in-sync replicas, in order per cluster.
 */
@ApplicationScoped
public class AlertStateTopic {

    private static final Logger LOG = Logger.getLogger(AlertStateTopic.class);
    /** Longest a write may wait for the broker's metadata: the engine must not hang on a dead Kafka. */
    private static final Duration MAX_BLOCK = Duration.ofSeconds(5);
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(30);

    /** A cluster's state as read back, with the status partition it belongs to. */
    public record Restored(int partition, AlertState state) {
    }

    private final String topic;
    private final ObjectMapper json;
    private final Map<String, Object> kafkaConfig;
    private KafkaProducer<String, String> producer;

    @Inject
    public AlertStateTopic(SentinelConfig config, ObjectMapper json,
                           @Identifier("default-kafka-broker") Map<String, Object> kafkaConfig) {
        this.topic = config.topics().alertState();
        this.json = json;
        this.kafkaConfig = kafkaConfig;
    }

    public String topic() {
        return topic;
    }

    /**
     * Writes one cluster's state ({@code null} or empty: a tombstone) to {@code partition} (or the
     * key's partition when negative). Never throws: a failed write completes the future exceptionally.
     */
    public CompletableFuture<Void> write(String cluster, int partition, AlertState state) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        try {
            String value = state == null || state.isEmpty() ? null : json.writeValueAsString(state);
            producer().send(new ProducerRecord<>(topic, partition < 0 ? null : partition, cluster, value), (meta, e) -> {
                if (e == null) {
                    done.complete(null);
                } else {
                    done.completeExceptionally(e);
                }
            });
        } catch (JsonProcessingException | RuntimeException e) {
            done.completeExceptionally(e);
        }
        return done;
    }

    /**
     * Reads the given partitions from their beginning to their current end: the latest state of each
     * cluster on them (tombstoned clusters left out). An unreadable record is logged and skipped.
     *
     * @throws IllegalStateException when Kafka does not give the partitions' end within the timeout
     */
    public Map<String, Restored> read(Collection<Integer> partitions) {
        Map<String, Restored> latest = new LinkedHashMap<>();
        if (partitions.isEmpty()) {
            return latest;
        }
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerConfig(), new StringDeserializer(),
                new StringDeserializer())) {
            List<TopicPartition> tps = partitions.stream().map(p -> new TopicPartition(topic, p)).toList();
            consumer.assign(tps);
            consumer.seekToBeginning(tps);
            Map<TopicPartition, Long> end = consumer.endOffsets(tps, READ_TIMEOUT);
            long deadline = System.nanoTime() + READ_TIMEOUT.toNanos();
            while (!reachedEnd(consumer, end)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not read " + topic + " partitions " + partitions
                            + " to their end within " + READ_TIMEOUT.toSeconds() + " s");
                }
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.value() == null) {
                        latest.remove(r.key());
                        continue;
                    }
                    try {
                        latest.put(r.key(), new Restored(r.partition(), json.readValue(r.value(), AlertState.class)));
                    } catch (IOException e) {
                        LOG.warnf("Skipping an unreadable alert state of cluster %s (%s-%d@%d): %s", r.key(), topic,
                                r.partition(), r.offset(), e.getMessage());
                    }
                }
            }
        }
        return latest;
    }

    /** Partitions of the alert-state topic; -1 when Kafka does not say. */
    public int partitionCount() {
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerConfig(), new StringDeserializer(),
                new StringDeserializer())) {
            return consumer.partitionsFor(topic, READ_TIMEOUT).size();
        } catch (RuntimeException e) {
            return -1;
        }
    }

    private static boolean reachedEnd(KafkaConsumer<String, String> consumer, Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            if (consumer.position(e.getKey()) < e.getValue()) {
                return false;
            }
        }
        return true;
    }

    private synchronized KafkaProducer<String, String> producer() {
        if (producer == null) {
            Map<String, Object> props = clientConfig(ProducerConfig.configNames());
            props.put(ProducerConfig.ACKS_CONFIG, "all");
            props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
            props.put(ProducerConfig.LINGER_MS_CONFIG, 0);
            props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) MAX_BLOCK.toMillis());
            props.put(ProducerConfig.CLIENT_ID_CONFIG, "repl-sentinel-alert-state");
            producer = new KafkaProducer<>(props, new StringSerializer(), new StringSerializer());
        }
        return producer;
    }

    /**
     * Settings for a reader of its own that joins no group (the fleet-wide read model): the
     * service's Kafka settings, never committing, reading from the earliest offset kept.
     */
    public Map<String, Object> readerConfig(String clientId) {
        Map<String, Object> props = consumerConfig();
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        return props;
    }

    private Map<String, Object> consumerConfig() {
        Map<String, Object> props = clientConfig(ConsumerConfig.configNames());
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "repl-sentinel-alert-state-restore");
        return props;
    }

    /** Only the settings this kind of client knows (bootstrap servers, security), so it warns about none. */
    private Map<String, Object> clientConfig(java.util.Set<String> known) {
        return KafkaClients.config(kafkaConfig, known, Map.of());
    }

    /**
     * Waits until every write so far is acknowledged, so that whoever reads the topic next (this
     * node or the one a partition moves to) sees them.
     */
    public void flush() {
        KafkaProducer<String, String> p;
        synchronized (this) {
            p = producer;
        }
        if (p != null) {
            p.flush();
        }
    }

    /** Sends what is still buffered (the last acknowledgements of a drain) before the service stops. */
    @PreDestroy
    synchronized void close() {
        if (producer != null) {
            producer.close(Duration.ofSeconds(10));
            producer = null;
        }
    }
}
