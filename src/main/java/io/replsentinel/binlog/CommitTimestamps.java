package io.replsentinel.binlog;

import com.github.shyiko.mysql.binlog.BinaryLogClient;
import com.github.shyiko.mysql.binlog.event.EventType;
import com.github.shyiko.mysql.binlog.event.GtidEventData;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The commit timestamps of MySQL's GTID events, which Debezium 3.5.0 reads but does not put on its
 * records: {@code original_commit_timestamp} (when the originating server committed) and
 * {@code immediate_commit_timestamp} (when this server committed), both in microseconds. A
 * listener's binlog client hands each GTID event here ({@link #listenTo}); the listener's
 * transaction assembler takes the pair back at the transaction's END, by GTID.
 * <p>
 * One instance per listener, found by the engine's name: Debezium instantiates its task itself,
 * so the task ({@link SentinelMySqlConnectorTask}) looks its listener's instance up here.
 */
final class CommitTimestamps {

    /** Commit times of one transaction. */
    record Times(Instant original, Instant immediate) {
    }

    /** GTIDs waiting for their END: a filtered or interrupted transaction never takes its pair, so the map is bounded. */
    private static final int KEPT = 10_000;
    private static final Map<String, CommitTimestamps> BY_ENGINE = new ConcurrentHashMap<>();

    private final Map<String, Times> pending = new LinkedHashMap<>(256, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Times> eldest) {
            return size() > KEPT;
        }
    };
    private volatile BinaryLogClient hooked;

    static CommitTimestamps register(String engineName) {
        CommitTimestamps t = new CommitTimestamps();
        BY_ENGINE.put(engineName, t);
        return t;
    }

    static void unregister(String engineName, CommitTimestamps t) {
        BY_ENGINE.remove(engineName, t);
    }

    static Optional<CommitTimestamps> of(String engineName) {
        return Optional.ofNullable(BY_ENGINE.get(engineName));
    }

    /**
     * Adds a listener to the engine's binlog client, once per client: the client calls it on its
     * reader thread for every event, after Debezium's own listener, so a GTID's pair is here before
     * the END record of its transaction can reach the assembler.
     */
    synchronized boolean listenTo(BinaryLogClient client) {
        if (client == null || client == hooked) {
            return client != null;
        }
        client.registerEventListener(event -> {
            if (event.getHeader().getEventType() == EventType.GTID && event.getData() instanceof GtidEventData g) {
                put(g.getGtid(), g.getOriginalCommitTimestamp(), g.getImmediateCommitTimestamp());
            }
        });
        hooked = client;
        return true;
    }

    boolean hooked() {
        return hooked != null;
    }

    void put(String gtid, long originalMicros, long immediateMicros) {
        if (gtid == null) {
            return;
        }
        // 0 means the server did not log it (a source older than 8.0.1); immediate then equals original
        Instant original = originalMicros > 0 ? micros(originalMicros) : null;
        Instant immediate = immediateMicros > 0 ? micros(immediateMicros) : original;
        synchronized (pending) {
            pending.put(gtid.trim().toLowerCase(), new Times(original, immediate));
        }
    }

    Optional<Times> take(String gtid) {
        synchronized (pending) {
            return Optional.ofNullable(pending.remove(gtid));
        }
    }

    private static Instant micros(long us) {
        return Instant.ofEpochSecond(us / 1_000_000, (us % 1_000_000) * 1_000);
    }
}
