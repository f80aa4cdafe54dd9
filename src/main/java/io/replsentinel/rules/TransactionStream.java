package io.replsentinel.rules;

import io.replsentinel.event.BinlogListenerState;
import io.replsentinel.event.GtidEvent;

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

    /** Keeps a listener's newer state; states of one listener arrive in sequence order but a restart resets it. */
    public void update(BinlogListenerState state) {
        BinlogListenerState previous = listeners.get(state.instance());
        if (previous != null && previous.observedAt().isAfter(state.observedAt())) {
            return;
        }
        listeners.put(state.instance(), state);
    }

    public void add(GtidEvent event) {
        Map<String, GtidEvent> byGtid = transactions.computeIfAbsent(event.instance(), i -> new LinkedHashMap<>(1024, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, GtidEvent> eldest) {
                return size() > KEPT;
            }
        });
        byGtid.putIfAbsent(event.gtid(), event);
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
