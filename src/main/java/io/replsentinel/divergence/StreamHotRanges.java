package io.replsentinel.divergence;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.replsentinel.event.GtidEvent;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Incoming;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Reads channel {@code divergence-gtid} (the GTID topic, a consumer group of its own) and remembers,
 * per cluster and table, which transactions touched it lately and, where the binlog listeners may
 * publish key values ({@code sentinel.binlog.key-values}), which rows: the checker's
 * {@link HotRanges}. A range is hot when a transaction touched a row in it (key values known) or its
 * table (not known) since the moment asked about. Each row's last GTIDs per instance are kept for the
 * DataDivergence evidence ({@code lastTouchedGtids}), a bounded number per cluster.
 */
@ApplicationScoped
public class StreamHotRanges implements HotRanges {

    public static final String CHANNEL = "divergence-gtid";
    /** Touches older than this can no longer make a chunk hot: the checker's rounds are seconds apart. */
    static final Duration KEEP = Duration.ofMinutes(2);
    static final int MAX_TOUCHES_PER_TABLE = 10_000;
    static final int MAX_ROWS_PER_CLUSTER = 100_000;

    /** One transaction's touch of one table: its row keys when the listener may publish them, else null. */
    record Touch(Instant at, String gtid, List<List<String>> keys) {
    }

    private final ObjectMapper json;
    private final DivergenceConfig config;
    private final Map<String, Map<TableRef, Deque<Touch>>> touches = new ConcurrentHashMap<>();
    private final Map<String, Map<String, Map<String, String>>> lastByRow = new ConcurrentHashMap<>();

    public StreamHotRanges(ObjectMapper json, DivergenceConfig config) {
        this.json = json;
        this.config = config;
    }

    @Incoming(CHANNEL)
    public void onTransaction(String value) {
        if (!config.enabled()) {
            return;
        }
        GtidEvent e;
        try {
            e = json.readValue(value, GtidEvent.class);
        } catch (Exception ignored) {
            return; // the rules engine reads the same records and dead-letters what it cannot read
        }
        if (e != null && e.cluster() != null && e.gtid() != null) {
            record(e);
        }
    }

    /** Folds one transaction in. */
    void record(GtidEvent e) {
        Instant at = e.seenAt() != null ? e.seenAt() : Instant.now();
        Map<String, List<List<String>>> keysByTable = keysByTable(e.keys());
        Map<TableRef, Deque<Touch>> byTable = touches.computeIfAbsent(e.cluster(), c -> new ConcurrentHashMap<>());
        for (GtidEvent.TableRows t : e.tables()) {
            TableRef table = parse(t.table());
            if (table == null) {
                continue;
            }
            List<List<String>> keys = e.keys() == null ? null : keysByTable.getOrDefault(t.table(), List.of());
            Deque<Touch> d = byTable.computeIfAbsent(table, x -> new ArrayDeque<>());
            synchronized (d) {
                d.addLast(new Touch(at, e.gtid(), keys));
                while (d.size() > MAX_TOUCHES_PER_TABLE || d.peekFirst().at().isBefore(at.minus(KEEP))) {
                    d.removeFirst();
                }
            }
            if (keys != null && !keys.isEmpty()) {
                Map<String, Map<String, String>> rows = lastByRow.computeIfAbsent(e.cluster(), c -> lru());
                synchronized (rows) {
                    for (List<String> k : keys) {
                        rows.computeIfAbsent(rowKey(table, k), x -> new LinkedHashMap<>()).put(e.instance(), e.gtid());
                    }
                }
            }
        }
    }

    @Override
    public boolean touchedSince(String cluster, TableRef table, KeyRange range, Instant since) {
        Deque<Touch> d = touches.getOrDefault(cluster, Map.of()).get(table);
        if (d == null) {
            return false;
        }
        synchronized (d) {
            for (var it = d.descendingIterator(); it.hasNext(); ) {
                Touch t = it.next();
                if (t.at().isBefore(since)) {
                    return false;
                }
                if (t.keys() == null || t.keys().stream().anyMatch(k -> within(range, k))) {
                    return true;
                }
            }
        }
        return false;
    }

    @Override
    public List<String> lastTouched(String cluster, TableRef table, List<List<String>> keys) {
        Map<String, Map<String, String>> rows = lastByRow.get(cluster);
        if (rows == null) {
            return List.of();
        }
        Set<String> gtids = new LinkedHashSet<>();
        synchronized (rows) {
            for (List<String> k : keys) {
                Map<String, String> byInstance = rows.get(rowKey(table, k));
                if (byInstance != null) {
                    gtids.addAll(byInstance.values());
                }
            }
        }
        return List.copyOf(gtids);
    }

    /**
     * Whether a key lies in the range. Bounds are compared as numbers when both are integers (the
     * common single-column key); any other key is taken as inside, so the range is hot: a wrong
     * "hot" costs a re-check, a wrong "not hot" could cost a false alarm.
     */
    static boolean within(KeyRange range, List<String> key) {
        if (key.size() != 1) {
            return true;
        }
        try {
            java.math.BigInteger v = new java.math.BigInteger(key.get(0));
            if (range.lower().isPresent() && v.compareTo(new java.math.BigInteger(range.lower().get().get(0))) <= 0) {
                return false;
            }
            return range.upper().isEmpty() || v.compareTo(new java.math.BigInteger(range.upper().get().get(0))) <= 0;
        } catch (NumberFormatException | IndexOutOfBoundsException notNumbers) {
            return true;
        }
    }

    /** The listener's keys ({@code schema.table:col=value;col2=value2;}) as value lists per table. */
    static Map<String, List<List<String>>> keysByTable(List<String> keys) {
        Map<String, List<List<String>>> out = new LinkedHashMap<>();
        if (keys == null) {
            return out;
        }
        for (String k : keys) {
            int colon = k.indexOf(':');
            if (colon < 0) {
                continue;
            }
            List<String> values = new ArrayList<>();
            for (String part : k.substring(colon + 1).split(";")) {
                int eq = part.indexOf('=');
                if (eq >= 0) {
                    values.add(part.substring(eq + 1));
                }
            }
            out.computeIfAbsent(k.substring(0, colon), t -> new ArrayList<>()).add(values);
        }
        return out;
    }

    private static TableRef parse(String qualified) {
        int dot = qualified == null ? -1 : qualified.indexOf('.');
        return dot <= 0 ? null : new TableRef(qualified.substring(0, dot), qualified.substring(dot + 1));
    }

    private static String rowKey(TableRef table, List<String> key) {
        return table + "|" + String.join("\u0000", key);
    }

    private static Map<String, Map<String, String>> lru() {
        return new LinkedHashMap<>(1024, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Map<String, String>> eldest) {
                return size() > MAX_ROWS_PER_CLUSTER;
            }
        };
    }
}
