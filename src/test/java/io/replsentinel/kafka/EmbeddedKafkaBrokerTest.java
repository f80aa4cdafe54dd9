package io.replsentinel.kafka;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The embedded broker is a real Kafka: clients talk to it, it keeps data across restarts. */
class EmbeddedKafkaBrokerTest {

    private static final Duration WAIT = Duration.ofSeconds(15);

    @TempDir
    Path dataDir;

    private EmbeddedKafkaBroker broker;

    @AfterEach
    void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void brokerStartsOnFreeLoopbackPortAndCarriesRecords() {
        long t0 = System.nanoTime();
        broker = EmbeddedKafkaBroker.start(dataDir, 0);
        System.out.printf("embedded broker started in %d ms%n", (System.nanoTime() - t0) / 1_000_000);

        assertThat(broker.bootstrapServers()).startsWith("127.0.0.1:").doesNotEndWith(":0");
        String topic = "it-" + UUID.randomUUID();
        createTopic(topic, 1);
        try (KafkaTestClient kafka = KafkaTestClient.fromEnd(broker.bootstrapServers(), topic)) {
            kafka.send(topic, "orders", "{\"cluster\":\"orders\",\"n\":1}");
            kafka.send(topic, "billing", "{\"cluster\":\"billing\",\"n\":2}");

            ConsumerRecord<String, String> billing = kafka.awaitRecord(topic, r -> "billing".equals(r.key()), WAIT);
            assertThat(KafkaTestClient.json(billing).path("n").asInt()).isEqualTo(2);
            // the earlier record was seen on the way and is still found
            ConsumerRecord<String, String> orders = kafka.awaitRecord(topic, r -> "orders".equals(r.key()), WAIT);
            assertThat(KafkaTestClient.json(orders).path("cluster").asText()).isEqualTo("orders");
        }
    }

    @Test
    void recordsAndClusterIdSurviveRestartOnSameDataDir() {
        long t0 = System.nanoTime();
        broker = EmbeddedKafkaBroker.start(dataDir, 0);
        System.out.printf("embedded broker started in %d ms%n", (System.nanoTime() - t0) / 1_000_000);
        String clusterId = broker.clusterId();
        String topic = "restart-" + UUID.randomUUID();
        createTopic(topic, 2);
        try (KafkaTestClient kafka = KafkaTestClient.fromEnd(broker.bootstrapServers(), topic)) {
            kafka.send(topic, "orders", "{\"before\":\"restart\"}");
        }

        t0 = System.nanoTime();
        broker.close();
        long stopMillis = (System.nanoTime() - t0) / 1_000_000;
        broker.close(); // a second close is harmless
        System.out.printf("embedded broker stopped in %d ms%n", stopMillis);
        assertThat(stopMillis).as("stop time in ms").isLessThan(1_000);

        t0 = System.nanoTime();
        broker = EmbeddedKafkaBroker.start(dataDir, 0);
        System.out.printf("embedded broker restarted in %d ms%n", (System.nanoTime() - t0) / 1_000_000);
        assertThat(broker.clusterId()).isEqualTo(clusterId);
        try (KafkaTestClient kafka = KafkaTestClient.fromBeginning(broker.bootstrapServers(), topic)) {
            ConsumerRecord<String, String> record = kafka.awaitRecord(topic, r -> "orders".equals(r.key()), WAIT);
            assertThat(record.value()).isEqualTo("{\"before\":\"restart\"}");
        }
    }

    @Test
    void secondBrokerOnSameDataDirIsRefusedAndFirstKeepsWorking() {
        broker = EmbeddedKafkaBroker.start(dataDir, 0);
        String topic = "shared-" + UUID.randomUUID();
        createTopic(topic, 1);

        assertThatThrownBy(() -> EmbeddedKafkaBroker.start(dataDir, 0))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("in use");

        try (KafkaTestClient kafka = KafkaTestClient.fromEnd(broker.bootstrapServers(), topic)) {
            kafka.send(topic, "orders", "{}");
            assertThat(kafka.awaitRecord(topic, r -> "orders".equals(r.key()), WAIT).value()).isEqualTo("{}");
        }
    }

    @Test
    void topicInitializerCreatesMissingTopicsWithConfiguredPartitionsAndKeepsExistingOnes() throws Exception {
        broker = EmbeddedKafkaBroker.start(dataDir, 0);
        String existing = "existing-" + UUID.randomUUID();
        createTopic(existing, 1);
        List<String> names = List.of("mysql.replication.status", "mysql.replication.alerts", "mysql.replication.dlq", existing);

        try (Admin admin = admin()) {
            Set<String> created = TopicInitializer.ensureTopics(admin, names, 3, (short) 1, WAIT);
            assertThat(created).containsExactly("mysql.replication.status", "mysql.replication.alerts", "mysql.replication.dlq");

            Map<String, TopicDescription> topics = admin.describeTopics(names).allTopicNames().get();
            assertThat(topics.get("mysql.replication.status").partitions()).hasSize(3);
            assertThat(topics.get("mysql.replication.alerts").partitions()).hasSize(3);
            assertThat(topics.get("mysql.replication.dlq").partitions()).hasSize(3);
            assertThat(topics.get(existing).partitions()).as("an existing topic is left alone").hasSize(1);

            assertThat(TopicInitializer.ensureTopics(admin, names, 3, (short) 1, WAIT))
                    .as("a second run finds everything in place").isEmpty();
        }
    }

    private void createTopic(String name, int partitions) {
        try (Admin admin = admin()) {
            TopicInitializer.ensureTopics(admin, List.of(name), partitions, (short) 1, WAIT);
        }
    }

    private Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()));
    }
}
