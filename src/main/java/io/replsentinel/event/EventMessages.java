package io.replsentinel.event;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.reactive.messaging.ce.OutgoingCloudEventMetadata;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Message;

import java.net.URI;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
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
        Counter acked = published.computeIfAbsent(topic,
                t -> registry.counter("sentinel_events_published_total", "topic", t));
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
