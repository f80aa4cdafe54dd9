package io.replsentinel.inventory.runtime;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.replsentinel.inventory.ClusterDefinition;
import io.replsentinel.inventory.Inventory;
import io.replsentinel.inventory.InventoryException;
import io.replsentinel.inventory.RuntimeCluster;
import io.replsentinel.inventory.SentinelConfig;
import io.smallrye.common.annotation.Identifier;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.interceptor.Interceptor;
import io.replsentinel.kafka.KafkaClients;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Keeps the {@link Inventory}'s runtime clusters in step with the inventory topic on this node, and
 * writes the API's changes to it. At start-up (after the topics exist, before anything polls) it
 * reads the whole topic to its end; once the service has started it follows the topic on a thread
 * of its own and announces each change. A write returns once this node has applied it, so the
 * cluster is watched (or no longer) when the API answers.
 */
@ApplicationScoped
public class InventoryTopic {

    public static final String CE_TYPE = "io.replsentinel.inventory.cluster.v1";
    private static final Logger LOG = Logger.getLogger(InventoryTopic.class);

    @Inject
    SentinelConfig config;

    @Inject
    Inventory inventory;

    @Inject
    SecretCipher cipher;

    @Inject
    ObjectMapper json;

    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafkaConfig;

    private KafkaConsumer<String, String> consumer;
    private KafkaProducer<String, String> producer;
    private Thread follower;
    private volatile boolean stopping;
    /** Per partition, the offset after the last record this node applied. */
    private final Map<Integer, Long> applied = new HashMap<>();

    /** After TopicInitializer (PLATFORM_BEFORE), before the pollers and listeners start. */
    void load(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE + 10) StartupEvent event) {
        String topic = config.topics().inventory();
        consumer = new KafkaConsumer<>(clientConfig(ConsumerConfig.configNames(), Map.of(
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName(),
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName(),
                ConsumerConfig.CLIENT_ID_CONFIG, "repl-sentinel-inventory-" + UUID.randomUUID())));
        producer = new KafkaProducer<>(clientConfig(ProducerConfig.configNames(), Map.of(
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName(),
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName(),
                ProducerConfig.CLIENT_ID_CONFIG, "repl-sentinel-inventory-writer")));
        long deadline = System.nanoTime() + config.runtimeClusters().loadTimeout().toNanos();
        try {
            if (!assign(topic, config.runtimeClusters().loadTimeout())) {
                LOG.errorf("The inventory topic %s cannot be read yet: starting with the configured clusters only; "
                        + "runtime clusters follow once it can", topic);
                return;
            }
            Map<TopicPartition, Long> end = consumer.endOffsets(consumer.assignment(), remaining(deadline));
            int count = 0;
            while (!reached(end)) {
                if (System.nanoTime() > deadline) {
                    LOG.errorf("Reading the inventory topic %s took longer than %s: starting with what was read; "
                            + "the rest follows", topic, config.runtimeClusters().loadTimeout());
                    break;
                }
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    apply(r, false);
                    count++;
                }
            }
            LOG.infof("Read %d record(s) of the inventory topic %s: %d runtime cluster(s)", count, topic,
                    inventory.clusters().keySet().stream().filter(c -> !inventory.isConfigured(c)).count());
        } catch (RuntimeException e) {
            LOG.errorf("Reading the inventory topic %s failed (%s): starting with what was read; the rest follows",
                    topic, e.getMessage());
        }
    }

    /** Once everything that watches instances has started: follow the topic and announce each change. */
    void follow(@Observes @Priority(Interceptor.Priority.APPLICATION + 900) StartupEvent event) {
        follower = new Thread(this::followLoop, "inventory-follower");
        follower.setDaemon(true);
        follower.start();
    }

    private void followLoop() {
        try {
            followUntilStopped();
        } finally {
            consumer.close(Duration.ofSeconds(2));
        }
    }

    private void followUntilStopped() {
        String topic = config.topics().inventory();
        while (!stopping) {
            try {
                if (consumer.assignment().isEmpty() && !assign(topic, Duration.ofSeconds(5))) {
                    continue;
                }
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                    apply(r, true);
                }
            } catch (WakeupException e) {
                return;
            } catch (RuntimeException e) {
                if (stopping) {
                    return;
                }
                LOG.warnf("Following the inventory topic %s: %s", topic, e.getMessage());
                sleepQuietly(1000);
            }
        }
    }

    private boolean assign(String topic, Duration timeout) {
        List<PartitionInfo> partitions = consumer.partitionsFor(topic, timeout);
        if (partitions == null || partitions.isEmpty()) {
            return false;
        }
        List<TopicPartition> tps = partitions.stream().map(p -> new TopicPartition(topic, p.partition())).toList();
        consumer.assign(tps);
        consumer.seekToBeginning(tps);
        return true;
    }

    private boolean reached(Map<TopicPartition, Long> end) {
        return end.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue());
    }

    private static Duration remaining(long deadline) {
        return Duration.ofNanos(Math.max(deadline - System.nanoTime(), TimeUnit.SECONDS.toNanos(1)));
    }

    /** Applies one record; one that cannot be read is logged and, when it is new, dead-lettered. */
    void apply(ConsumerRecord<String, String> r, boolean announce) {
        try {
            if (r.key() == null) {
                throw new IllegalArgumentException("record without a key (the cluster name)");
            }
            if (r.value() == null) {
                inventory.removeRuntime(r.key(), announce);
            } else {
                StoredCluster stored = reader().readValue(r.value(), StoredCluster.class);
                if (!r.key().equals(stored.name())) {
                    throw new IllegalArgumentException("key " + r.key() + " is not the cluster's name " + stored.name());
                }
                RuntimeCluster cluster = inventory.resolve(stored.open(cipher), stored.addedAt(), stored.addedBy());
                inventory.putRuntime(cluster, announce);
            }
        } catch (SecretCipher.NoKeyException e) {
            LOG.errorf("Runtime cluster %s is not watched on this node: %s", r.key(), e.getMessage());
        } catch (java.io.IOException | IllegalArgumentException | InventoryException e) {
            String reason = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
            LOG.errorf("Inventory topic record %s-%d@%d cannot be applied: %s", r.topic(), r.partition(), r.offset(), reason);
            if (announce) {
                deadLetter(r, reason);
            }
        } finally {
            synchronized (applied) {
                applied.put(r.partition(), r.offset() + 1);
                applied.notifyAll();
            }
        }
    }

    private com.fasterxml.jackson.databind.ObjectReader reader() {
        return json.readerFor(StoredCluster.class).with(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    }

    /** Writes a new runtime cluster and waits until this node watches it. */
    public void add(ClusterDefinition definition, String addedBy) {
        RuntimeCluster checked = inventory.check(definition, Instant.now(), addedBy);
        StoredCluster stored = StoredCluster.seal(definition, cipher, checked.addedAt(), addedBy);
        String value;
        try {
            value = json.writeValueAsString(stored);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize cluster " + definition.name(), e);
        }
        write(definition.name(), value);
        LOG.infof("Runtime cluster %s added by %s: %d instance(s)", definition.name(), addedBy, checked.instances().size());
    }

    /** Writes the tombstone of a runtime cluster and waits until this node no longer watches it. */
    public void remove(String cluster, String removedBy) {
        write(cluster, null);
        LOG.infof("Runtime cluster %s removed by %s", cluster, removedBy);
    }

    private void write(String cluster, String value) {
        Duration timeout = config.runtimeClusters().writeTimeout();
        RecordHeaders headers = new RecordHeaders();
        header(headers, "ce_specversion", "1.0");
        header(headers, "ce_id", UUID.randomUUID().toString());
        header(headers, "ce_type", CE_TYPE);
        header(headers, "ce_source", "urn:repl-sentinel");
        header(headers, "ce_subject", cluster);
        header(headers, "ce_time", Instant.now().toString());
        header(headers, "content-type", "application/json");
        RecordMetadata written;
        try {
            written = producer.send(new ProducerRecord<>(config.topics().inventory(), null, cluster, value, headers))
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while writing the inventory topic", e);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new InventoryUnavailableException("the inventory topic could not be written within " + timeout
                    + ": " + (e.getCause() == null ? e : e.getCause()).getMessage());
        }
        awaitApplied(written.partition(), written.offset(), timeout);
    }

    private void awaitApplied(int partition, long offset, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (applied) {
            while (applied.getOrDefault(partition, -1L) <= offset) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    throw new InventoryUnavailableException("written to the inventory topic, but not applied on this "
                            + "node within " + timeout + "; it will be once this node reads the topic");
                }
                try {
                    applied.wait(left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while waiting for the inventory topic", e);
                }
            }
        }
    }

    private void deadLetter(ConsumerRecord<String, String> r, String reason) {
        RecordHeaders headers = new RecordHeaders(r.headers().toArray());
        header(headers, "dead-letter-reason", reason);
        header(headers, "dead-letter-topic", r.topic());
        header(headers, "dead-letter-partition", Integer.toString(r.partition()));
        header(headers, "dead-letter-offset", Long.toString(r.offset()));
        producer.send(new ProducerRecord<>(config.topics().dlq(), null, r.key(), r.value(), headers), (m, e) -> {
            if (e != null) {
                LOG.warnf("Could not dead-letter inventory record %s-%d@%d: %s", r.topic(), r.partition(), r.offset(),
                        e.getMessage());
            }
        });
    }

    private static void header(RecordHeaders headers, String name, String value) {
        headers.remove(name);
        headers.add(name, value.getBytes(StandardCharsets.UTF_8));
    }

    private Map<String, Object> clientConfig(Set<String> known, Map<String, Object> own) {
        return KafkaClients.config(kafkaConfig, known, own);
    }

    void stop(@Observes ShutdownEvent event) {
        stopping = true;
        if (consumer != null) {
            consumer.wakeup();
        }
        if (follower != null) {
            try {
                follower.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        } else if (consumer != null) {
            consumer.close(Duration.ofSeconds(2));
        }
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
        }
    }

    private static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The inventory topic could not be written, or the change not applied, in time. */
    public static final class InventoryUnavailableException extends RuntimeException {
        InventoryUnavailableException(String message) {
            super(message);
        }
    }
}
