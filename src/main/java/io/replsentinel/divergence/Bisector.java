package io.replsentinel.divergence;

import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Narrows a range known to differ down to its differing rows: the range is split at the median key
 * of whichever side holds more of its rows (or, when the key is one integer column and the range is
 * bounded, at its middle value, which needs no query), each half is compared (fenced, like a chunk), and only
 * halves that differ are split further, until a half is small enough to compare row by row. The
 * number of queries is bounded: about four per level for each differing branch, at most
 * {@code maxRows} branches, and a hard ceiling of {@link #MAX_QUERIES}.
 */
final class Bisector {

    static final int MAX_QUERIES = 600;

    /** The differing rows found, and whether the search stopped before it had seen them all. */
    record Result(List<RowDifference> rows, boolean truncated, int queries) {
    }

    private final ServerSession source;
    private final ServerSession replica;
    private final TableShape shape;
    private final ChunkSql sql;
    private final int leafRows;
    private final int maxRows;
    private final Duration fenceTimeout;
    private final List<RowDifference> found = new ArrayList<>();
    private int queries;
    private boolean truncated;

    Bisector(ServerSession source, ServerSession replica, TableShape shape, ChunkSql sql, int leafRows, int maxRows,
             Duration fenceTimeout) {
        this.source = source;
        this.replica = replica;
        this.shape = shape;
        this.sql = sql;
        this.leafRows = leafRows;
        this.maxRows = maxRows;
        this.fenceTimeout = fenceTimeout;
    }

    Result narrow(KeyRange range, ChunkSum sourceSum, ChunkSum replicaSum) throws SQLException {
        narrow(range, sourceSum.rows(), replicaSum.rows());
        return new Result(List.copyOf(found), truncated, queries);
    }

    private void narrow(KeyRange range, long sourceRows, long replicaRows) throws SQLException {
        if (full()) {
            truncated = true;
            return;
        }
        if (Math.max(sourceRows, replicaRows) <= leafRows) {
            compareRows(range);
            return;
        }
        Optional<List<String>> mid = valueMidpoint(range);
        if (mid == null) {
            boolean bySource = sourceRows >= replicaRows;
            long rows = bySource ? sourceRows : replicaRows;
            queries++;
            mid = (bySource ? source : replica).keyAt(sql, shape, range, (rows - 1) / 2);
        }
        if (mid.isEmpty() || mid.equals(range.upper())) {
            compareRows(range);
            return;
        }
        for (KeyRange half : List.of(new KeyRange(range.lower(), mid), new KeyRange(mid, range.upper()))) {
            ChunkSum[] sums = fencedSums(half);
            if (sums != null && !sums[0].equals(sums[1])) {
                narrow(half, sums[0].rows(), sums[1].rows());
            }
        }
    }

    /**
     * The middle key value of a bounded range of a one-integer-column key, found without a query (the
     * median key's query reads half the range's rows on the index); empty when no key lies strictly
     * inside, null when the key is not one integer column or the range is open at an end. A gap in the
     * keys only makes one half hold more rows, which the next levels split further.
     */
    private Optional<List<String>> valueMidpoint(KeyRange range) {
        if (!shape.integerKey() || range.lower().isEmpty() || range.upper().isEmpty()) {
            return null;
        }
        java.math.BigInteger lo = new java.math.BigInteger(range.lower().get().get(0));
        java.math.BigInteger hi = new java.math.BigInteger(range.upper().get().get(0));
        if (hi.subtract(lo).compareTo(java.math.BigInteger.ONE) <= 0) {
            return Optional.empty(); // (lo, lo + 1] holds one key: compared row by row
        }
        return Optional.of(List.of(lo.add(hi.subtract(lo).shiftRight(1)).toString()));
    }

    /** Source and replica checksums of a range, the replica's read after it reached the source's GTIDs. */
    private ChunkSum[] fencedSums(KeyRange range) throws SQLException {
        queries += 4;
        ChunkSum s = source.checksum(sql, range);
        if (!replica.awaitGtids(source.executedGtids(), fenceTimeout)) {
            truncated = true;
            return null;
        }
        return new ChunkSum[] {s, replica.checksum(sql, range)};
    }

    /** Row by row, twice; only rows that differ both times are kept (a write in flight differs once). */
    private void compareRows(KeyRange range) throws SQLException {
        Set<RowDifference> first = rowDiff(range);
        if (first.isEmpty()) {
            return;
        }
        Set<RowDifference> second = rowDiff(range);
        for (RowDifference d : first) {
            if (second.contains(d) && !full()) {
                found.add(d);
            } else if (second.contains(d)) {
                truncated = true;
            }
        }
    }

    private Set<RowDifference> rowDiff(KeyRange range) throws SQLException {
        queries += 4;
        Map<List<String>, Long> s = source.rowHashes(sql, shape, range);
        if (!replica.awaitGtids(source.executedGtids(), fenceTimeout)) {
            truncated = true;
            return Set.of();
        }
        Map<List<String>, Long> r = replica.rowHashes(sql, shape, range);
        Set<RowDifference> diff = new HashSet<>();
        s.forEach((key, hash) -> {
            Long other = r.get(key);
            if (other == null) {
                diff.add(new RowDifference(key, RowDifference.Kind.missing_on_replica));
            } else if (!other.equals(hash)) {
                diff.add(new RowDifference(key, RowDifference.Kind.changed));
            }
        });
        r.keySet().stream().filter(k -> !s.containsKey(k))
                .forEach(k -> diff.add(new RowDifference(k, RowDifference.Kind.extra_on_replica)));
        return diff;
    }

    private boolean full() {
        return found.size() >= maxRows || queries >= MAX_QUERIES;
    }
}
