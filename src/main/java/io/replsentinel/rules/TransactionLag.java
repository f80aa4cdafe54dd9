package io.replsentinel.rules;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.replsentinel.event.ChannelStatus;
import io.replsentinel.event.GtidEvent;
import io.replsentinel.event.ReplicationStatus;

import java.time.Duration;
import java.util.Optional;

/**
 * Per-transaction replication lag, {@code mysql_replication_transaction_lag_seconds{cluster}}
 * ({@code instance} too with {@code sentinel.rules.transaction-lag.per-replica-histogram}), and each
 * replica's latest sample in the cluster's {@link TransactionStream} for ReplicationLagHigh.
 * <ul>
 * <li><b>MySQL</b>: a replica's binlog holds, for each applied transaction, the source's
 * {@code original_commit_timestamp} and its own {@code immediate_commit_timestamp}. Their
 * difference is the lag, read on two hosts' clocks, so the skew between them is taken off: each
 * host's offset from this service's clock is estimated by its listener ({@link ClockOffset}), and
 * the lag is {@code (immediate - original) + offset(replica) - offset(source)}. Without the source's
 * listener, the raw difference is used (method {@code commit_timestamps_uncorrected}).</li>
 * <li><b>MariaDB</b> (its GTID events carry no commit time): the time between the source's listener
 * seeing the GTID and the replica's, both on this service's clock, so host clocks never enter; what
 * it adds is the two listeners' delivery delays, about the same on both sides.</li>
 * </ul>
 */
final class TransactionLag {

    static final String METHOD_COMMIT = "commit_timestamps";
    static final String METHOD_COMMIT_UNCORRECTED = "commit_timestamps_uncorrected";
    static final String METHOD_SEEN = "listeners_seen_at";

    private final MeterRegistry registry;
    private final boolean perReplica;

    TransactionLag(MeterRegistry registry) {
        this(registry, false);
    }

    TransactionLag(MeterRegistry registry, boolean perReplica) {
        this.registry = registry;
        this.perReplica = perReplica;
    }

    /**
     * Records the lag of a transaction: {@code event} is a replica's copy of a source's transaction
     * (MySQL: measured from its own commit timestamps; else once the source's listener saw it too),
     * or a source's transaction a replica's listener already delivered (the two listeners' events
     * can reach the engine in either order under load).
     */
    Optional<Duration> record(ClusterView view, GtidEvent event) {
        Optional<Duration> any = Optional.empty();
        Optional<ReplicationStatus> self = view.instance(event.instance());
        if (self.isPresent()) {
            for (ChannelStatus ch : self.get().channels()) {
                Optional<ReplicationStatus> source = view.sourceOf(ch);
                if (applied(event)) {
                    any = Optional.of(fromCommitTimes(view, event, source.map(ReplicationStatus::instance)));
                    break;
                }
                Optional<GtidEvent> original = source.flatMap(s -> view.stream().transaction(s.instance(), event.gtid()));
                if (original.isPresent()) {
                    any = Optional.of(fromSeenAt(view, event.instance(), original.get(), event));
                    break;
                }
            }
        }
        if (applied(event)) {
            return any; // a source's copy adds nothing: the replica's timestamps measured it
        }
        for (ReplicationStatus replica : view.instances()) {
            for (ChannelStatus ch : replica.channels()) {
                boolean fromThis = view.sourceOf(ch).map(s -> s.instance().equals(event.instance())).orElse(false);
                Optional<GtidEvent> copy = fromThis
                        ? view.stream().transaction(replica.instance(), event.gtid()) : Optional.empty();
                if (copy.isPresent() && !applied(copy.get())) {
                    any = Optional.of(fromSeenAt(view, replica.instance(), event, copy.get()));
                }
            }
        }
        return any;
    }

    /** A MySQL transaction this instance applied from another: its own commit came after the origin's. */
    private static boolean applied(GtidEvent e) {
        return e.originalCommitAt() != null && e.immediateCommitAt() != null
                && !e.originalCommitAt().equals(e.immediateCommitAt());
    }

    private Duration fromCommitTimes(ClusterView view, GtidEvent copy, Optional<String> source) {
        long micros = Duration.between(copy.originalCommitAt(), copy.immediateCommitAt()).toNanos() / 1_000;
        Optional<Long> replicaOffset = view.stream().clockOffsetMicros(copy.instance());
        Optional<Long> sourceOffset = source.flatMap(s -> view.stream().clockOffsetMicros(s));
        String method = METHOD_COMMIT_UNCORRECTED;
        if (replicaOffset.isPresent() && sourceOffset.isPresent()) {
            micros += replicaOffset.get() - sourceOffset.get();
            method = METHOD_COMMIT;
        }
        return record(view, copy.instance(), Duration.ofNanos(micros * 1_000), copy, method);
    }

    private Duration fromSeenAt(ClusterView view, String replica, GtidEvent original, GtidEvent copy) {
        return record(view, replica, Duration.between(original.seenAt(), copy.seenAt()), copy, METHOD_SEEN);
    }

    private Duration record(ClusterView view, String replica, Duration measured, GtidEvent copy, String method) {
        // negative: the replica's listener delivered first, or the skew estimate overshot: no measurable lag
        Duration lag = measured.isNegative() ? Duration.ZERO : measured;
        view.stream().lag(replica, new TransactionStream.LagSample(lag, copy.seenAt(), copy.gtid(), method));
        if (registry != null) {
            DistributionSummary.Builder b = DistributionSummary.builder("mysql_replication_transaction_lag_seconds")
                    .description("Per transaction: from its commit on the source to its commit on the replica"
                            + " (MySQL) or from the source's binlog listener seeing it to the replica's (MariaDB)")
                    .baseUnit("seconds")
                    .tags("cluster", copy.cluster())
                    .publishPercentileHistogram()
                    .minimumExpectedValue(0.001)
                    .maximumExpectedValue(3600.0);
            if (perReplica) {
                b.tags("instance", replica);
            }
            b.register(registry).record(lag.toNanos() / 1e9);
        }
        return lag;
    }
}
