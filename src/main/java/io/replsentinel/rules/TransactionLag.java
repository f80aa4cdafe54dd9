package io.replsentinel.rules;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.replsentinel.event.ChannelStatus;
import io.replsentinel.event.GtidEvent;
import io.replsentinel.event.ReplicationStatus;

import java.time.Duration;
import java.util.Optional;

/**
 * Per-transaction replication lag, {@code mysql_replication_transaction_lag_seconds{cluster,instance}}:
 * for each transaction a replica's listener logs, the time between the source's listener seeing it
 * and the replica's listener seeing it. Both instants are read on this service's clock, so the
 * hosts' clocks never enter (a skewed server clock would shift {@code original_commit_timestamp}
 * or a heartbeat, not this); what it adds is the two listeners' own delivery delay, which is about
 * the same on both sides and cancels out.
 */
final class TransactionLag {

    private final MeterRegistry registry;

    TransactionLag(MeterRegistry registry) {
        this.registry = registry;
    }

    /** Records the lag of {@code event} when it is a replica's copy of a transaction its source's listener saw. */
    Optional<Duration> record(ClusterView view, GtidEvent event) {
        Optional<ReplicationStatus> replica = view.instance(event.instance());
        if (replica.isEmpty() || registry == null) {
            return Optional.empty();
        }
        for (ChannelStatus ch : replica.get().channels()) {
            Optional<ReplicationStatus> source = view.sourceOf(ch);
            if (source.isEmpty()) {
                continue;
            }
            Optional<GtidEvent> original = view.stream().transaction(source.get().instance(), event.gtid());
            if (original.isPresent()) {
                Duration lag = Duration.between(original.get().seenAt(), event.seenAt());
                if (lag.isNegative()) {
                    lag = Duration.ZERO; // the replica's listener delivered first: no measurable lag
                }
                DistributionSummary.builder("mysql_replication_transaction_lag_seconds")
                        .description("Per transaction: from the source's binlog listener seeing it to the replica's")
                        .baseUnit("seconds")
                        .tags("cluster", event.cluster(), "instance", event.instance())
                        .publishPercentileHistogram()
                        .minimumExpectedValue(0.001)
                        .maximumExpectedValue(3600.0)
                        .register(registry)
                        .record(lag.toNanos() / 1e9);
                return Optional.of(lag);
            }
        }
        return Optional.empty();
    }
}
