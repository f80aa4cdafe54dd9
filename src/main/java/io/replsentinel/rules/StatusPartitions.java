package io.replsentinel.rules;

import io.replsentinel.fleet.ClusterOwnership;
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
 * it evaluates their first status, and forgets the clusters of partitions taken away. With a shared
 * fleet it also hands the partitions' clusters to {@link ClusterOwnership}, so the node polls and
 * listens to what it evaluates.
 */
@ApplicationScoped
@Identifier(StatusPartitions.NAME)
public class StatusPartitions implements KafkaConsumerRebalanceListener {

    public static final String NAME = "status-partitions";

    private final RulesEngine engine;
    private final ClusterOwnership ownership;

    public StatusPartitions(RulesEngine engine, ClusterOwnership ownership) {
        this.engine = engine;
        this.ownership = ownership;
    }

    @Override
    public void onPartitionsAssigned(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        // state first, then polling: the first status of a new owner meets the alerts already restored
        engine.assigned(numbers(partitions));
        ownership.assigned(consumer, partitions);
    }

    @Override
    public void onPartitionsRevoked(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        // polling stops first: the state this node leaves behind covers every status it evaluated
        ownership.revoked(partitions);
        engine.revoked(numbers(partitions));
    }

    @Override
    public void onPartitionsLost(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        ownership.revoked(partitions);
        engine.revoked(numbers(partitions));
    }

    private static List<Integer> numbers(Collection<TopicPartition> partitions) {
        return partitions.stream().map(TopicPartition::partition).toList();
    }
}
