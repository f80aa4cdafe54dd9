package io.replsentinel.divergence;

import java.time.Instant;
import java.util.List;

/**
 * Where a binlog listener runs, it knows which rows each transaction touched: a range touched
 * between the source's read and the replica's is "hot" and is compared again rather than judged.
 * Without a listener nothing is known ({@link #UNKNOWN}); the checker then relies on GTID fences
 * and on the source's checksum staying unchanged across re-checks, which is enough on its own.
 * {@link StreamHotRanges} is the implementation that reads the GTID topic.
 */
public interface HotRanges {

    HotRanges UNKNOWN = (cluster, table, range, since) -> false;

    /** True when a transaction committed since {@code since} changed a row of {@code table} in {@code range}. */
    boolean touchedSince(String cluster, TableRef table, KeyRange range, Instant since);

    /**
     * The GTIDs that last touched these rows (key values in key-column order), on any instance of the
     * cluster, as far as the stream knows them; empty when it does not.
     */
    default List<String> lastTouched(String cluster, TableRef table, List<List<String>> keys) {
        return List.of();
    }
}
