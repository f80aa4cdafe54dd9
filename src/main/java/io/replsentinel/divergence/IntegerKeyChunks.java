package io.replsentinel.divergence;

import java.math.BigInteger;
import java.util.List;
import java.util.Optional;

/**
 * Cuts a table whose key is one integer column into chunks by key value, so a chunk needs no query
 * to find its bound and both sides can read it at once: each chunk spans as many key values as the
 * wanted row count needs at the density the last chunk showed. The key's smallest and largest
 * values are read when the walk starts; the first chunk is open below and the last open above, so
 * rows only a replica has, beyond either end, are still inside a chunk. A stretch without rows widens
 * the next chunk eightfold; a dense stretch after a sparse one is caught by the next measurement,
 * as the chunk size is.
 */
final class IntegerKeyChunks {

    private static final BigInteger EIGHT = BigInteger.valueOf(8);

    private final BigInteger max;
    private BigInteger next;
    /** Key values per row, as the last chunk showed it, in millionths. */
    private BigInteger valuesPerMillionRows = BigInteger.valueOf(1_000_000);
    private boolean done;
    private boolean first = true;
    private BigInteger lastSpan = BigInteger.ONE;

    /**
     * @param min the smallest key on the source, or null when the table is empty
     * @param max the largest key on the source, or null when the table is empty
     */
    IntegerKeyChunks(String min, String max) {
        this.max = max == null ? null : new BigInteger(max);
        this.next = min == null ? null : new BigInteger(min);
    }

    boolean done() {
        return done;
    }

    /** The next chunk, aiming at {@code rows} rows; the last one has no upper bound. */
    KeyRange next(int rows) {
        if (done) {
            throw new IllegalStateException("the walk is over");
        }
        Optional<List<String>> lower = Optional.empty();
        if (next == null) {
            done = true; // an empty table: one open chunk holds whatever a replica has
            return KeyRange.ALL;
        }
        BigInteger span = valuesPerMillionRows.multiply(BigInteger.valueOf(rows)).divide(BigInteger.valueOf(1_000_000))
                .max(BigInteger.ONE);
        BigInteger upper = next.add(span).subtract(BigInteger.ONE);
        KeyRange range;
        if (first) {
            range = upper.compareTo(max) >= 0 ? KeyRange.ALL : new KeyRange(lower, Optional.of(List.of(upper.toString())));
        } else {
            lower = Optional.of(List.of(next.subtract(BigInteger.ONE).toString()));
            range = new KeyRange(lower, upper.compareTo(max) >= 0 ? Optional.empty() : Optional.of(List.of(upper.toString())));
        }
        first = false;
        done = range.upper().isEmpty();
        lastSpan = span;
        next = upper.add(BigInteger.ONE);
        return range;
    }

    /** The source held {@code rows} rows in the chunk just returned: the density the next chunk is cut at. */
    void measured(long rows) {
        if (rows <= 0) {
            valuesPerMillionRows = valuesPerMillionRows.multiply(EIGHT);
            return;
        }
        valuesPerMillionRows = lastSpan.multiply(BigInteger.valueOf(1_000_000)).divide(BigInteger.valueOf(rows))
                .max(BigInteger.ONE);
    }
}
