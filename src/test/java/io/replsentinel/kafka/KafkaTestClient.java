package io.replsentinel.kafka;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/**
 * What a test needs to watch topics and inject records, with plain kafka-clients.
 * <p>
 * The consumer has a fresh group and is assigned every partition of the topics at once, and its start
 * offsets are resolved before the constructor returns: with {@link #fromEnd} every record written after
 * that is seen, none before. Records polled are kept, so each {@link #awaitRecord} searches everything
 * seen so far and then keeps polling.
 * <pre>{@code
 * try (KafkaTestClient kafka = KafkaTestClient.fromEnd(bootstrap, "mysql.replication.alerts")) {
 *     ... trigger something ...
 *     ConsumerRecord<String, String> alert = kafka.awaitRecord("mysql.replication.alerts",
 *             r -> KafkaTestClient.json(r).path("labels").path("alertname").asText().equals("X"),
 *             Duration.ofSeconds(10));
 * }
 * }</pre>
 */
public final class KafkaTestClient implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TOPIC_WAIT = Duration.ofSeconds(15);

    private final String bootstrapServers;
    private final KafkaConsumer<String, String> consumer;
    private final List<ConsumerRecord<String, String>> seen = new ArrayList<>();
    private KafkaProducer<String, String> producer;

    private KafkaTestClient(String bootstrapServers, boolean fromBeginning, List<String> topics) {
        this.bootstrapServers = bootstrapServers;
        this.consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.GROUP_ID_CONFIG, "test-" + UUID.randomUUID(),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                // watching must never create a topic as a side effect
                ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, fromBeginning ? "earliest" : "latest",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class));
        try {
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : topics) {
                partitions.addAll(partitionsOf(topic));
            }
            consumer.assign(partitions);
            if (fromBeginning) {
                consumer.seekToBeginning(partitions);
            } else {
                consumer.seekToEnd(partitions);
            }
            // resolve the offsets now, not lazily at the first poll
            partitions.forEach(consumer::position);
        } catch (RuntimeException e) {
            consumer.close();
            throw e;
        }
    }

    /** Sees only records written after this returns. The topics must exist (within 15 s). */
    public static KafkaTestClient fromEnd(String bootstrapServers, String... topics) {
        return new KafkaTestClient(bootstrapServers, false, List.of(topics));
    }

    /** Sees every record the topics hold. The topics must exist (within 15 s). */
    public static KafkaTestClient fromBeginning(String bootstrapServers, String... topics) {
        return new KafkaTestClient(bootstrapServers, true, List.of(topics));
    }

    /** Polls once for up to {@code timeout}; returns the new records (also kept for later awaits). */
    public synchronized List<ConsumerRecord<String, String>> poll(Duration timeout) {
        List<ConsumerRecord<String, String>> fresh = new ArrayList<>();
        consumer.poll(timeout).forEach(fresh::add);
        seen.addAll(fresh);
        return fresh;
    }

    /**
     * The first record of {@code topic} (in the order seen) that matches, searching the records seen
     * so far and then polling until {@code timeout}.
     *
     * @throws AssertionError when none matched in time
     */
    public synchronized ConsumerRecord<String, String> awaitRecord(String topic,
            Predicate<ConsumerRecord<String, String>> match, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        int searched = 0;
        while (true) {
            for (; searched < seen.size(); searched++) {
                ConsumerRecord<String, String> record = seen.get(searched);
                if (record.topic().equals(topic) && match.test(record)) {
                    return record;
                }
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("No matching record on " + topic + " within " + timeout
                        + "; records seen on it: " + describe(topic));
            }
            poll(Duration.ofNanos(Math.min(left, TimeUnit.MILLISECONDS.toNanos(200))));
        }
    }

    /** Every record seen so far, in order. */
    public synchronized List<ConsumerRecord<String, String>> seen() {
        return Collections.unmodifiableList(new ArrayList<>(seen));
    }

    /** Writes one record and waits for the broker to acknowledge it (e.g. a malformed one). */
    public RecordMetadata send(String topic, String key, String value) {
        return send(topic, key, value, Map.of());
    }

    /** Writes one record with headers and waits for the broker to acknowledge it. */
    public synchronized RecordMetadata send(String topic, String key, String value, Map<String, String> headers) {
        if (producer == null) {
            producer = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                    ProducerConfig.ACKS_CONFIG, "all",
                    ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                    ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class));
        }
        ProducerRecord<String, String> record = new ProducerRecord<>(topic, key, value);
        headers.forEach((name, v) -> record.headers().add(name, v.getBytes(StandardCharsets.UTF_8)));
        try {
            return producer.send(record).get(15, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("Could not write to " + topic, e);
        }
    }

    /** The record's value parsed as JSON. */
    public static JsonNode json(ConsumerRecord<String, String> record) {
        try {
            return JSON.readTree(record.value());
        } catch (IOException e) {
            throw new UncheckedIOException("Not JSON: " + record.value(), e);
        }
    }

    /** A header's value as text, if present (the last one when repeated). */
    public static Optional<String> header(ConsumerRecord<String, String> record, String name) {
        return Optional.ofNullable(record.headers().lastHeader(name))
                .map(h -> new String(h.value(), StandardCharsets.UTF_8));
    }

    @Override
    public synchronized void close() {
        consumer.close(Duration.ofSeconds(2));
        if (producer != null) {
            producer.close(Duration.ofSeconds(2));
        }
    }

    private List<TopicPartition> partitionsOf(String topic) {
        long deadline = System.nanoTime() + TOPIC_WAIT.toNanos();
        while (true) {
            List<PartitionInfo> infos;
            org.apache.kafka.common.errors.TimeoutException slow = null;
            try {
                infos = consumer.partitionsFor(topic, Duration.ofSeconds(5));
            } catch (org.apache.kafka.common.errors.TimeoutException e) {
                // a new client's first metadata request (connection, class loading) can take over 5 s on a
                // loaded machine: one slow answer is not a missing topic, ask again until the deadline
                infos = null;
                slow = e;
            }
            if (infos != null && !infos.isEmpty()) {
                return infos.stream().map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            }
            if (System.nanoTime() > deadline && slow != null) {
                throw slow;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("Topic " + topic + " does not exist at " + bootstrapServers);
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    private String describe(String topic) {
        List<String> lines = new ArrayList<>();
        for (ConsumerRecord<String, String> r : seen) {
            if (r.topic().equals(topic)) {
                lines.add(r.key() + " -> " + r.value());
            }
        }
        return lines.isEmpty() ? "none" : String.join("\n", lines);
    }
}
