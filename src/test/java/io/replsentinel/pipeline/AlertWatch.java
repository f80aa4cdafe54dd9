package io.replsentinel.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import io.replsentinel.kafka.KafkaTestClient;
import org.apache.kafka.clients.consumer.ConsumerRecord;

import java.time.Duration;
import java.util.Map;

/** Reads the alerts topic from the moment it is opened and waits for particular state changes. */
final class AlertWatch implements AutoCloseable {

    static final String TOPIC = "mysql.replication.alerts";
    static final Duration FIRE_TIMEOUT = Duration.ofSeconds(60);
    static final Duration RESOLVE_TIMEOUT = Duration.ofSeconds(90);

    private final KafkaTestClient kafka;

    AlertWatch(String bootstrapServers) {
        this.kafka = KafkaTestClient.fromEnd(bootstrapServers, TOPIC);
    }

    /** The first firing record of {@code alertname} on {@code instance} whose labels include {@code labels}. */
    ConsumerRecord<String, String> firing(String alertname, String instance, Map<String, String> labels) {
        return kafka.awaitRecord(TOPIC, r -> {
            JsonNode a = KafkaTestClient.json(r);
            return a.path("status").asText().equals("firing")
                    && a.path("labels").path("alertname").asText().equals(alertname)
                    && a.path("labels").path("instance").asText().equals(instance)
                    && labels.entrySet().stream().allMatch(e -> a.path("labels").path(e.getKey()).asText().equals(e.getValue()));
        }, FIRE_TIMEOUT);
    }

    /** The resolved record with this fingerprint. */
    ConsumerRecord<String, String> resolved(String fingerprint) {
        return kafka.awaitRecord(TOPIC, r -> r.key().equals(fingerprint)
                && KafkaTestClient.json(r).path("status").asText().equals("resolved"), RESOLVE_TIMEOUT);
    }

    /** Every alert record read so far. */
    java.util.List<ConsumerRecord<String, String>> seen() {
        return kafka.seen();
    }

    /** Every alert record that arrives during {@code window}, besides those already seen. */
    java.util.List<ConsumerRecord<String, String>> during(Duration window) {
        long end = System.nanoTime() + window.toNanos();
        while (System.nanoTime() < end) {
            kafka.poll(Duration.ofMillis(500));
        }
        return kafka.seen();
    }

    @Override
    public void close() {
        kafka.close();
    }
}
