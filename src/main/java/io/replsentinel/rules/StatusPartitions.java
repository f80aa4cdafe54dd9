package io.replsentinel.rules;

import io.replsentinel.fleet.ClusterOwnership;
import io.smallrye.common.annotation.Identifier;
import io.smallrye.reactive.messaging.kafka.KafkaConsumerRebalanceListener;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;

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
    private static final Logger LOG = Logger.getLogger(StatusPartitions.class);

    private final RulesEngine engine;
    private final ClusterOwnership ownership;

    public StatusPartitions(RulesEngine engine, ClusterOwnership ownership) {
        this.engine = engine;
        this.ownership = ownership;
    }

    @Override
    public void onPartitionsAssigned(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        commitStartWhereNoneIs(consumer, partitions);
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

    /**
     * A partition the group has never committed on starts at its end ({@code auto.offset.reset=latest}:
     * a new deployment does not evaluate the topic's history). That start is committed at once: the
     * first periodic commit comes seconds later, and a rebalance before it (a broker back after the
     * group's session ran out, a node joining) would start the partition at its end again, so every
     * status written in between, the polls of a broker outage among them, would never be evaluated.
     * A failure here is logged and changes nothing else: the periodic commits follow as before.
     */
    static void commitStartWhereNoneIs(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        if (partitions.isEmpty()) {
            return;
        }
        try {
            Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(new HashSet<>(partitions));
            Map<TopicPartition, OffsetAndMetadata> start = new HashMap<>();
            for (TopicPartition partition : partitions) {
                if (committed.get(partition) == null) {
                    start.put(partition, new OffsetAndMetadata(consumer.position(partition)));
                }
            }
            if (!start.isEmpty()) {
                consumer.commitSync(start);
                LOG.infof("Committed the start of status partition(s) the group had no offset on: %s", start);
            }
        } catch (KafkaException e) {
            LOG.warnf("Could not commit the start of newly assigned status partition(s) %s: %s", partitions, e.toString());
        }
    }

    private static List<Integer> numbers(Collection<TopicPartition> partitions) {
        return partitions.stream().map(TopicPartition::partition).toList();
    }
}
