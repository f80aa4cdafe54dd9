package io.replsentinel.divergence;

import java.util.EnumMap;
import java.util.Map;

/**
 * Where a scanner's wall time goes, phase by phase (connecting, reading the catalogue, reading
 * chunks side by side, confirming, narrowing, waiting with nothing to do...): the figures the data
 * checker's benchmark prints, so what bounds a pass is measured, not guessed. Two
 * {@link System#nanoTime()} calls per phase entered; kept by the scanner's own thread and read once it has
 * stopped (its thread joined).
 */
final class PassClock {

    /** A phase of the scanner's work. */
    enum Phase {
        /** Opening the sessions to the servers. */
        connect,
        /** Reading which tables to walk from {@code information_schema}. */
        catalog,
        /** The smallest and largest key of a table chunked by value. */
        key_bounds,
        /** Reading the pause thresholds ({@code Threads_running}, replica lag). */
        thresholds,
        /** First looks at chunks, source and replicas side by side, while the chunk size still grows. */
        ramp_chunks,
        /** First looks at chunks, source and replicas side by side, at the chunk size reached. */
        chunks,
        /** The fenced rounds that confirm or clear a chunk that differed at first sight, on their own. */
        confirm,
        /**
         * A chunk's first look with a confirming round run through it (the round's source half while
         * the replicas read the chunk, then the chunk on the source while the round's replicas are read).
         */
        chunks_and_confirm,
        /** Narrowing a chunk that differed after its fenced read down to its rows (its leaves' confirmations apart). */
        narrow,
        /** The fenced rounds that confirm or clear each leaf of a narrowed chunk that differs. */
        confirm_leaves,
        /** Nothing to send: waiting for a confirming round's back-off, a trigger or the next pass. */
        idle,
        /** Pauses while the source is busy or a replica lags. */
        paused
    }

    private final Map<Phase, long[]> spent = new EnumMap<>(Phase.class);

    /** Starts timing; pass the result to {@link #stop}. */
    static long start() {
        return System.nanoTime();
    }

    void stop(Phase phase, long started) {
        long[] s = spent.computeIfAbsent(phase, p -> new long[2]);
        s[0] += System.nanoTime() - started;
        s[1]++;
    }

    /** Nanoseconds spent in {@code phase} so far. */
    long nanos(Phase phase) {
        long[] s = spent.get(phase);
        return s == null ? 0 : s[0];
    }

    /** Milliseconds and times entered per phase, in the phases' order. */
    Map<Phase, long[]> snapshot() {
        Map<Phase, long[]> out = new EnumMap<>(Phase.class);
        spent.forEach((p, s) -> out.put(p, new long[] {s[0] / 1_000_000, s[1]}));
        return out;
    }
}
