package io.replsentinel.event;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.reactive.messaging.ce.OutgoingCloudEventMetadata;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Message;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Wraps an event value as a Kafka message: JSON value, the record key the contract names and
 * binary-mode CloudEvents headers ({@code ce_id}, {@code ce_type}, ...). Counts what the broker
 * acknowledged in {@code sentinel_events_published_total{topic}}.
 */
@ApplicationScoped
public class EventMessages {

    public static final String TYPE_STATUS = "io.replsentinel.replication.status.v1";
    public static final String TYPE_ALERT = "io.replsentinel.alert.v1";
    public static final String TYPE_DIVERGENCE = "io.replsentinel.divergence.finding.v1";
    public static final String TYPE_GTID = "io.replsentinel.replication.gtid.v1";
    public static final String TYPE_LISTENER_STATE = "io.replsentinel.binlog.listener.v1";

    private static final URI SOURCE = URI.create("urn:repl-sentinel");
    private static final byte[] SOURCE_BYTES = SOURCE.toString().getBytes(StandardCharsets.UTF_8);
    private static final byte[] SPEC_VERSION = "1.0".getBytes(StandardCharsets.UTF_8);
    private static final byte[] JSON_CONTENT_TYPE = "application/json".getBytes(StandardCharsets.UTF_8);

    private final ObjectMapper json;
    private final MeterRegistry registry;
    /** {@code sentinel_events_published_total} by topic: made once, not looked up by name and tags per record. */
    private final Map<String, Counter> published = new ConcurrentHashMap<>();

    public EventMessages(ObjectMapper json, MeterRegistry registry) {
        this.json = json;
        this.registry = registry;
    }

    /**
     * A version 4 (random) UUID from the calling thread's own generator. {@link UUID#randomUUID()}
     * draws from one SecureRandom behind a lock that every polling thread publishing a status would
     * share; an event id must be unique, not secret.
     */
    static String randomId() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long high = (random.nextLong() & ~0xF000L) | 0x4000L; // version 4
        long low = (random.nextLong() & 0x3FFF_FFFF_FFFF_FFFFL) | 0x8000_0000_0000_0000L; // IETF variant
        return new UUID(high, low).toString();
    }

    /** {@code sentinel_events_published_total{topic}}: what the broker acknowledged on {@code topic}. */
    public Counter publishedCounter(String topic) {
        return published.computeIfAbsent(topic, t -> registry.counter("sentinel_events_published_total", "topic", t));
    }

    /**
     * {@code sentinel_events_dropped_total{topic,reason}}: events a publisher gave up on, for
     * {@code reason}.
     */
    public Counter droppedCounter(String topic, String reason) {
        return registry.counter("sentinel_events_dropped_total", "topic", topic, "reason", reason);
    }

    /** The value as JSON in UTF-8, as {@link #message} writes it. */
    public byte[] json(Object value) {
        try {
            return json.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot serialize " + value.getClass().getSimpleName(), e);
        }
    }

    /**
     * The binary-mode CloudEvents headers of a record written by a producer of the service's own,
     * the same attributes, values and order as the connector writes for {@link #message}:
     * {@code ce_specversion}, {@code ce_id}, {@code ce_type}, {@code ce_source}, {@code ce_subject},
     * {@code ce_datacontenttype}, {@code content-type}, {@code ce_time} (RFC 3339, UTC).
     */
    public static Headers cloudEventHeaders(String ceType, String subject, Instant time) {
        RecordHeaders headers = new RecordHeaders();
        headers.add("ce_specversion", SPEC_VERSION);
        headers.add("ce_id", randomId().getBytes(StandardCharsets.UTF_8));
        headers.add("ce_type", ceType.getBytes(StandardCharsets.UTF_8));
        headers.add("ce_source", SOURCE_BYTES);
        headers.add("ce_subject", subject.getBytes(StandardCharsets.UTF_8));
        headers.add("ce_datacontenttype", JSON_CONTENT_TYPE);
        headers.add("content-type", JSON_CONTENT_TYPE);
        headers.add("ce_time", DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(time.atOffset(ZoneOffset.UTC))
                .getBytes(StandardCharsets.UTF_8));
        return headers;
    }

    public Message<String> message(String topic, String key, String ceType, String subject, Object value) {
        String body;
        try {
            body = json.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot serialize " + value.getClass().getSimpleName(), e);
        }
        OutgoingCloudEventMetadata<Object> ce = OutgoingCloudEventMetadata.builder()
                .withId(randomId())
                .withType(ceType)
                .withSource(SOURCE)
                .withSubject(subject)
                .withDataContentType("application/json")
                .withTimestamp(ZonedDateTime.now(ZoneOffset.UTC))
                .build();
        Counter acked = publishedCounter(topic);
        OutgoingKafkaRecordMetadata<String> kafka = OutgoingKafkaRecordMetadata.<String>builder().withKey(key).build();
        return Message.of(body)
                .addMetadata(ce)
                .addMetadata(kafka)
                .withAck(() -> {
                    acked.increment();
                    return CompletableFuture.completedFuture(null);
                });
    }
}
