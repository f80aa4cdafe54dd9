package io.replsentinel.divergence;

import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

/**
 * Narrows a range known to differ down to its differing rows: the range is split at the median key
 * of whichever side holds more of its rows (or, when the key is one integer column and the range is
 * bounded, at its middle value, which needs no query), the lower half is compared, and only halves
 * that differ are split further, until a half is small enough to compare row by row.
 * <p>
 * Only the lower half is read: a checksum is a row count and an XOR of row hashes, so the upper
 * half's is the whole range's less the lower half's (count subtracted, hash XORed), on each side.
 * The lower half is read on the source and the replica side by side; a replica showing the
 * source's checksum had exactly the source's rows (as in {@link ChunkComparer#compareAtOnce}), and
 * only one that differs is read again after the fence (the source's executed GTIDs after its read).
 * A replica's read needs no second, fenced read when the source's executed GTIDs after its own read
 * are still the fence the replica had already applied before its read began: neither server had a
 * transaction the other lacked, so the two reads saw the same source state.
 * <p>
 * Which halves are searched is only a guide: no row is reported unless its leaf's difference was
 * confirmed ({@link LeafCheck}: the fenced rounds of {@link ChunkComparer}, over the leaf alone) and
 * the row differed in two fenced row-by-row reads of it, so a half wrongly taken for differing (a
 * write in between) costs a few queries and reports nothing. Confirming a leaf of at most
 * {@code leafRows} rows costs a few milliseconds, where confirming the whole chunk read it again on
 * both servers in every round. The number of queries is bounded: two to five per level for each
 * differing branch, the leaf's confirmation, at most {@code maxRows} branches, and a hard ceiling
 * of {@link #MAX_QUERIES}.
 */
final class Bisector {

    static final int MAX_QUERIES = 600;

    /**
     * The differing rows found, whether the search stopped before it had seen them all, and how many
     * leaves differed at first sight but were not confirmed (their source rows kept changing: hot).
     */
    record Result(List<RowDifference> rows, boolean truncated, int queries, int unconfirmed) {
    }

    /** Confirms a leaf that differed at first sight, before its rows are named. */
    interface LeafCheck {

        /** Every leaf taken as confirmed: the range given to {@link #narrow} was confirmed as a whole. */
        LeafCheck NONE = leaf -> new Confirmation(true, 0);

        Confirmation confirm(KeyRange leaf) throws SQLException;
    }

    /** Whether a leaf's difference was confirmed, and the statements that took. */
    record Confirmation(boolean confirmed, int queries) {
    }

    private final ServerSession source;
    private final ServerSession replica;
    private final TableShape shape;
    private final ChunkSql sql;
    private final int leafRows;
    private final int maxRows;
    private final Duration fenceTimeout;
    /** Reads the replica while this thread reads the source; null: one after the other. */
    private final ExecutorService readers;
    private final LeafCheck leafCheck;
    private final List<RowDifference> found = new ArrayList<>();
    private int queries;
    private boolean truncated;
    private int unconfirmed;
    /** The source's executed GTIDs the replica is known to have applied (null: none yet). */
    private String reached;

    Bisector(ServerSession source, ServerSession replica, TableShape shape, ChunkSql sql, int leafRows, int maxRows,
             Duration fenceTimeout) {
        this(source, replica, shape, sql, leafRows, maxRows, fenceTimeout, null);
    }

    Bisector(ServerSession source, ServerSession replica, TableShape shape, ChunkSql sql, int leafRows, int maxRows,
             Duration fenceTimeout, ExecutorService readers) {
        this(source, replica, shape, sql, leafRows, maxRows, fenceTimeout, readers, LeafCheck.NONE);
    }

    /** @param leafCheck confirms each leaf that differs before its rows are named */
    Bisector(ServerSession source, ServerSession replica, TableShape shape, ChunkSql sql, int leafRows, int maxRows,
             Duration fenceTimeout, ExecutorService readers, LeafCheck leafCheck) {
        this.leafCheck = leafCheck;
        this.readers = readers;
        this.source = source;
        this.replica = replica;
        this.shape = shape;
        this.sql = sql;
        this.leafRows = leafRows;
        this.maxRows = maxRows;
        this.fenceTimeout = fenceTimeout;
    }

    /**
     * @param sourceSum  the source's checksum of the range, from the comparison that found it differing
     * @param replicaSum the replica's, read after the fence in that comparison
     */
    Result narrow(KeyRange range, ChunkSum sourceSum, ChunkSum replicaSum) throws SQLException {
        narrowRange(range, sourceSum, replicaSum);
        return new Result(List.copyOf(found), truncated, queries, unconfirmed);
    }

    private void narrowRange(KeyRange range, ChunkSum sourceSum, ChunkSum replicaSum) throws SQLException {
        long sourceRows = sourceSum.rows();
        long replicaRows = replicaSum.rows();
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
        KeyRange low = new KeyRange(range.lower(), mid);
        ChunkSum[] sums = sums(low);
        if (sums == null) {
            return; // the replica did not reach the fence: truncated
        }
        if (!sums[0].equals(sums[1])) {
            narrowRange(low, sums[0], sums[1]);
        }
        // the upper half's checksums, without reading it: the range's less the lower half's
        ChunkSum upperSource = less(sourceSum, sums[0]);
        ChunkSum upperReplica = less(replicaSum, sums[1]);
        if (!upperSource.equals(upperReplica)) {
            narrowRange(new KeyRange(mid, range.upper()), upperSource, upperReplica);
        }
    }

    /** The checksum of a range's rows less those of a part of it: counts subtract, XORs cancel. */
    static ChunkSum less(ChunkSum whole, ChunkSum part) {
        return new ChunkSum(whole.rows() - part.rows(), whole.checksum() ^ part.checksum());
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

    /**
     * Source and replica checksums of a range, read side by side; when they differ, the replica's is
     * read again once it reached the source's GTIDs of after the source's read. Null when it did not.
     */
    private ChunkSum[] sums(KeyRange range) throws SQLException {
        queries += 2;
        ChunkSum s;
        ChunkSum r;
        if (readers == null) {
            s = source.checksum(sql, range);
            r = replica.checksum(sql, range);
        } else {
            Future<ChunkSum> read = readers.submit(() -> replica.checksum(sql, range));
            try {
                s = source.checksum(sql, range);
            } finally {
                // the replica's session must be idle again before anything else is sent on it
                r = replicaRead(read);
            }
        }
        if (r.equals(s)) {
            return new ChunkSum[] {s, r};
        }
        queries++;
        String fence = source.executedGtids();
        if (fence.equals(reached)) {
            return new ChunkSum[] {s, r}; // the replica had applied all the source had when it read: as good as fenced
        }
        queries += 2;
        if (!fenced(fence)) {
            return null;
        }
        return new ChunkSum[] {s, replica.checksum(sql, range)};
    }

    /**
     * Waits until the replica has applied {@code fence} (at once when it is known to have); false, and
     * the search truncated, when it did not in time.
     */
    private boolean fenced(String fence) throws SQLException {
        if (fence.equals(reached)) {
            return true;
        }
        if (!replica.awaitGtids(fence, fenceTimeout)) {
            truncated = true;
            return false;
        }
        reached = fence;
        return true;
    }

    /** The replica's side-by-side read, once finished. */
    private static ChunkSum replicaRead(Future<ChunkSum> read) throws SQLException {
        try {
            return ChunkComparer.get(read);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException("interrupted while the replica read a range", e);
        }
    }

    /**
     * Row by row; a leaf that differs is confirmed, then read again, and only rows that differ both
     * times are kept (a write in flight differs once).
     */
    private void compareRows(KeyRange range) throws SQLException {
        Set<RowDifference> first = rowDiff(range);
        if (first.isEmpty()) {
            return;
        }
        Confirmation c = leafCheck.confirm(range);
        queries += c.queries();
        if (!c.confirmed()) {
            unconfirmed++;
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
        if (!fenced(source.executedGtids())) {
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
