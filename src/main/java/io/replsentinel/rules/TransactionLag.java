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

    /**
     * Records the lag of a transaction once both listeners have seen it: {@code event} is either a
     * replica's copy of a transaction its source's listener already saw, or a source's transaction
     * a replica's listener already delivered (the two listeners' events can reach the engine in
     * either order under load).
     */
    Optional<Duration> record(ClusterView view, GtidEvent event) {
        if (registry == null) {
            return Optional.empty();
        }
        Optional<Duration> any = Optional.empty();
        Optional<ReplicationStatus> self = view.instance(event.instance());
        if (self.isPresent()) {
            for (ChannelStatus ch : self.get().channels()) {
                Optional<ReplicationStatus> source = view.sourceOf(ch);
                Optional<GtidEvent> original = source.flatMap(s -> view.stream().transaction(s.instance(), event.gtid()));
                if (original.isPresent()) {
                    any = Optional.of(record(event.cluster(), event.instance(), original.get(), event));
                    break;
                }
            }
        }
        for (ReplicationStatus replica : view.instances()) {
            for (ChannelStatus ch : replica.channels()) {
                boolean fromThis = view.sourceOf(ch).map(s -> s.instance().equals(event.instance())).orElse(false);
                Optional<GtidEvent> copy = fromThis
                        ? view.stream().transaction(replica.instance(), event.gtid()) : Optional.empty();
                if (copy.isPresent()) {
                    any = Optional.of(record(event.cluster(), replica.instance(), event, copy.get()));
                }
            }
        }
        return any;
    }

    private Duration record(String cluster, String replica, GtidEvent original, GtidEvent copy) {
        Duration lag = Duration.between(original.seenAt(), copy.seenAt());
        if (lag.isNegative()) {
            lag = Duration.ZERO; // the replica's listener delivered first: no measurable lag
        }
        DistributionSummary.builder("mysql_replication_transaction_lag_seconds")
                .description("Per transaction: from the source's binlog listener seeing it to the replica's")
                .baseUnit("seconds")
                .tags("cluster", cluster, "instance", replica)
                .publishPercentileHistogram()
                .minimumExpectedValue(0.001)
                .maximumExpectedValue(3600.0)
                .register(registry)
                .record(lag.toNanos() / 1e9);
        return lag;
    }
}
