package io.replsentinel.rules;

import io.smallrye.common.annotation.Identifier;
import io.smallrye.reactive.messaging.kafka.KafkaConsumerRebalanceListener;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;

import java.util.Collection;
import java.util.List;

/**
 * The status consumer's rebalance listener ({@code consumer-rebalance-listener.name} of channel
 * {@code status-in}): the consumer calls it on its polling thread before it returns any record of a
 * newly assigned partition, so the {@link RulesEngine} restores those clusters' alert state before
 * it evaluates their first status, and forgets the clusters of partitions taken away.
 */
@ApplicationScoped
@Identifier(StatusPartitions.NAME)
public class StatusPartitions implements KafkaConsumerRebalanceListener {

    public static final String NAME = "status-partitions";

    private final RulesEngine engine;

    public StatusPartitions(RulesEngine engine) {
        this.engine = engine;
    }

    @Override
    public void onPartitionsAssigned(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        engine.assigned(numbers(partitions));
    }

    @Override
    public void onPartitionsRevoked(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        engine.revoked(numbers(partitions));
    }

    @Override
    public void onPartitionsLost(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        engine.revoked(numbers(partitions));
    }

    private static List<Integer> numbers(Collection<TopicPartition> partitions) {
        return partitions.stream().map(TopicPartition::partition).toList();
    }
}
