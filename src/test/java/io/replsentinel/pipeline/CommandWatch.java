package io.replsentinel.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import io.replsentinel.event.SchemaCheck;
import io.replsentinel.kafka.KafkaTestClient;
import org.apache.kafka.clients.consumer.ConsumerRecord;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Reads the commands topic from the moment it is opened; every record it returns has been checked against the command schema and its headers. */
final class CommandWatch implements AutoCloseable {

    static final String TOPIC = "mysql.replication.commands";
    static final Duration TIMEOUT = Duration.ofSeconds(60);

    private final KafkaTestClient kafka;

    CommandWatch(String bootstrapServers) {
        this.kafka = KafkaTestClient.fromEnd(bootstrapServers, TOPIC);
    }

    /** The first record of the command proposed for the alert with {@code fingerprint}. */
    JsonNode proposedFor(String fingerprint) {
        return checked(kafka.awaitRecord(TOPIC, r -> KafkaTestClient.json(r).path("reason").path("fingerprint").asText()
                .equals(fingerprint) && KafkaTestClient.json(r).path("state").asText().equals("proposed"), TIMEOUT));
    }

    /** The first record of command {@code id} in {@code state}. */
    JsonNode inState(String id, String state) {
        return checked(kafka.awaitRecord(TOPIC, r -> KafkaTestClient.json(r).path("id").asText().equals(id)
                && KafkaTestClient.json(r).path("state").asText().equals(state), TIMEOUT));
    }

    /** Every command record seen so far about the alert with {@code fingerprint}. */
    List<JsonNode> about(String fingerprint) {
        kafka.poll(Duration.ofMillis(200));
        return kafka.seen().stream().map(KafkaTestClient::json)
                .filter(c -> c.path("reason").path("fingerprint").asText().equals(fingerprint)).toList();
    }

    KafkaTestClient client() {
        return kafka;
    }

    private static JsonNode checked(ConsumerRecord<String, String> r) {
        JsonNode c = KafkaTestClient.json(r);
        assertThat(SchemaCheck.violations(SchemaCheck.COMMAND, r.value())).as(r.value()).isEmpty();
        assertThat(r.key()).isEqualTo(c.path("instance").asText());
        assertThat(KafkaTestClient.header(r, "ce_type")).contains("io.replsentinel.command.v1");
        assertThat(KafkaTestClient.header(r, "ce_specversion")).isPresent();
        return c;
    }

    @Override
    public void close() {
        kafka.close();
    }
}
