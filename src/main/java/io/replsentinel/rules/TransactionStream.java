package io.replsentinel.rules;

import io.replsentinel.event.BinlogListenerState;
import io.replsentinel.event.GtidEvent;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What the binlog listeners of one cluster have said, as the rules engine has read it from the
 * GTID and listener-state topics: the latest state of each listener and the recent transactions
 * of each instance, by GTID. The stream detectors read it beside the cluster's statuses.
 */
public final class TransactionStream {

    /** Transactions kept per instance: enough to compare a replica that lags by minutes at lab write rates. */
    static final int KEPT = 20_000;

    private final Map<String, BinlogListenerState> listeners = new TreeMap<>();
    private final Map<String, Map<String, GtidEvent>> transactions = new TreeMap<>();
    private final Map<String, ClockOffset> clocks = new TreeMap<>();
    private final Map<String, LagSample> lags = new TreeMap<>();
    /** Counts the changes folded in, so an evaluation can tell whether the stream moved since the last. */
    private long revision;

    /** A replica's latest per-transaction lag and the replica listener's {@code seenAt} of that transaction. */
    public record LagSample(Duration lag, Instant at, String gtid, String method) {
    }

    /** Keeps a listener's newer state; states of one listener arrive in sequence order but a restart resets it. */
    public void update(BinlogListenerState state) {
        BinlogListenerState previous = listeners.get(state.instance());
        if (previous != null && previous.observedAt().isAfter(state.observedAt())) {
            return;
        }
        listeners.put(state.instance(), state);
        revision++;
    }

    public void add(GtidEvent event) {
        revision++;
        Map<String, GtidEvent> byGtid = transactions.computeIfAbsent(event.instance(), i -> new LinkedHashMap<>(1024, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, GtidEvent> eldest) {
                return size() > KEPT;
            }
        });
        byGtid.putIfAbsent(event.gtid(), event);
        if (event.immediateCommitAt() != null && event.seenAt() != null) {
            clocks.computeIfAbsent(event.instance(), i -> new ClockOffset()).add(event.seenAt(), event.immediateCommitAt());
        }
    }

    /** How far the instance's clock reads behind the service's plus its listener's quickest delivery, in microseconds. */
    Optional<Long> clockOffsetMicros(String instance) {
        ClockOffset c = clocks.get(instance);
        return c == null ? Optional.empty() : c.micros();
    }

    void lag(String replica, LagSample sample) {
        revision++;
        LagSample previous = lags.get(replica);
        if (previous == null || !previous.at().isAfter(sample.at())) {
            lags.put(replica, sample);
        }
    }

    /** Grows with every state, transaction or lag sample folded in: equal revisions, equal stream. */
    long revision() {
        return revision;
    }

    /** The replica's latest per-transaction lag, when its listener and its source's have measured one. */
    public Optional<LagSample> lag(String replica) {
        return Optional.ofNullable(lags.get(replica));
    }

    public Collection<BinlogListenerState> listeners() {
        return listeners.values();
    }

    public Optional<BinlogListenerState> listener(String instance) {
        return Optional.ofNullable(listeners.get(instance));
    }

    /** The instance's transactions in the order its binlog holds them. */
    public Collection<GtidEvent> transactions(String instance) {
        Map<String, GtidEvent> m = transactions.get(instance);
        return m == null ? java.util.List.of() : m.values();
    }

    public Optional<GtidEvent> transaction(String instance, String gtid) {
        Map<String, GtidEvent> m = transactions.get(instance);
        return m == null ? Optional.empty() : Optional.ofNullable(m.get(gtid));
    }
}
