package io.replsentinel.rules;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.replsentinel.kafka.KafkaBrokerResource;
import io.replsentinel.pipeline.LabResource;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BiConsumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Where the status consumer starts again after a rebalance that came before its first periodic
 * commit, on a real broker: a group member that joins with {@code auto.offset.reset=latest} is
 * assigned the partition, records are written, and the member leaves without having committed (as
 * when the broker comes back after the group's session ran out). The next member must start where
 * the first did, not at the end, or every record in between is never read.
 */
@QuarkusTest
@WithTestResource(value = KafkaBrokerResource.class, scope = TestResourceScope.GLOBAL)
@WithTestResource(value = LabResource.class, scope = TestResourceScope.GLOBAL)
class StatusPartitionsStartTest {

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @Test
    void memberLeavesBeforeItsFirstCommit_theNextStartsWhereItStarted_withTheStartCommittedAtAssignment() throws Exception {
        long next = startAfterAnUncommittedMember(StatusPartitions::commitStartWhereNoneIs);
        assertThat(next).as("the next member reads the two records written while the first held the partition")
                .isEqualTo(3);
    }

    @Test
    void memberLeavesBeforeItsFirstCommit_theNextStartsAtTheEnd_whenNothingWasCommitted() throws Exception {
        // what the consumer does without the commit: the case the listener exists for
        long next = startAfterAnUncommittedMember((consumer, partitions) -> { });
        assertThat(next).as("the two records in between are skipped").isEqualTo(5);
    }

    /**
     * Writes 3 records, lets a member with {@code onAssigned} take the partition, writes 2 more, and
     * closes it without a commit; returns where a new member of the group starts.
     */
    private long startAfterAnUncommittedMember(
            BiConsumer<org.apache.kafka.clients.consumer.Consumer<?, ?>, Collection<TopicPartition>> onAssigned)
            throws Exception {
        String topic = "status-start-" + UUID.randomUUID();
        String group = "status-start-" + UUID.randomUUID();
        TopicPartition partition = new TopicPartition(topic, 0);
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers));
             KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                     ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers, ProducerConfig.ACKS_CONFIG, "all"),
                     new StringSerializer(), new StringSerializer())) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
            for (int i = 0; i < 3; i++) {
                producer.send(new ProducerRecord<>(topic, "k", "before-" + i)).get();
            }
            try (KafkaConsumer<String, String> first = consumer(group)) {
                first.subscribe(List.of(topic), new ConsumerRebalanceListener() {
                    @Override
                    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                        onAssigned.accept(first, partitions);
                    }

                    @Override
                    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    }
                });
                await().atMost(Duration.ofSeconds(30)).until(() -> {
                    first.poll(Duration.ofMillis(100));
                    return first.assignment().contains(partition);
                });
                assertThat(first.position(partition)).as("a new group starts at the end").isEqualTo(3);
                for (int i = 0; i < 2; i++) {
                    producer.send(new ProducerRecord<>(topic, "k", "between-" + i)).get();
                }
            } // leaves the group without a commit of its own
            try (KafkaConsumer<String, String> next = consumer(group)) {
                next.assign(List.of(partition));
                return next.position(partition);
            }
        }
    }

    private KafkaConsumer<String, String> consumer(String group) {
        return new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.GROUP_ID_CONFIG, group,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false),
                new StringDeserializer(), new StringDeserializer());
    }
}
