package io.replsentinel.divergence;

import java.time.Duration;

/**
 * Adapts a table's chunk size so that one chunk's checksum takes about the target time: the next
 * size is the rate just measured times the target, smoothed and clamped, so one slow chunk (a
 * cold page, a busy moment) does not swing it.
 */
final class ChunkSizer {

    private final Duration target;
    private final int min;
    private final int max;
    private int rows;

    ChunkSizer(Duration target, int initial, int min, int max) {
        this.target = target;
        this.min = min;
        this.max = Math.max(min, max);
        this.rows = clamp(initial);
    }

    int rows() {
        return rows;
    }

    /** Records that a chunk of {@code chunkRows} took {@code elapsed} on the source. */
    void measured(long chunkRows, Duration elapsed) {
        if (chunkRows < rows / 2 || elapsed.isZero()) {
            return; // a short last chunk says little about the rate
        }
        double ideal = chunkRows * (double) target.toNanos() / Math.max(1, elapsed.toNanos());
        // grow fast while far below the target (a first chunk of 1,000 rows says little), shrink by half-steps
        double next = ideal > rows ? Math.min(rows * 8.0, ideal) : (rows + ideal) / 2;
        rows = clamp((long) next);
    }

    private int clamp(long n) {
        return (int) Math.max(min, Math.min(max, n));
    }
}
