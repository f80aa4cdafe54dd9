package io.replsentinel.divergence;

import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

/**
 * Compares one key range between a source and its replicas without a lock and without a false
 * alarm under writes. Each round reads the source's checksum, then the source's executed GTIDs (the
 * fence: everything the source had committed by the end of its read), waits (bounded) until each
 * replica has applied the fence, and reads the replica's checksum. A replica that equals the source
 * matches, as does one that shows any checksum the source had in an earlier round (it had exactly
 * the source's rows of that moment). One that differs is looked at again; it is called diverged only after
 * {@code confirmations} rounds in a row in which the source's checksum stayed the same as in the
 * round before (its rows did not change, so the replica had time to catch up with exactly them) and
 * the replica still differed. A range whose source keeps changing, or that a binlog listener says
 * was touched, is hot: left undecided and checked again later.
 * <p>
 * Why the order of the reads is the proof, not the pause between rounds: in round {@code k} the
 * source is read ({@code s[k]}), then its executed GTIDs (the fence {@code f[k]}), then the replica,
 * once it has applied {@code f[k]} ({@code r[k]}); round {@code k + 1} reads the source again only
 * after that. So {@code s[k]} < {@code f[k]} < {@code r[k]} < {@code s[k + 1]} in time. When
 * {@code s[k + 1]} equals {@code s[k]}, the source's rows of the range were the same throughout (bar
 * a change and its exact undoing, or a CRC32 collision, which the further confirmations make
 * vanishingly rare); the replica at {@code r[k]} had applied all of {@code f[k]} and, at most, later
 * transactions of the source, which left the range as it was: it shows the source's rows unless it
 * truly differs. No pause enters that argument, so rounds may run later than their back-off
 * (other chunks read meanwhile, or a chunk read beside them) or back to back without weakening it.
 * A round after which the source's checksum is seen unchanged (and the first fenced round, which has
 * nothing to compare with yet) is therefore due at once; only after a round in which the source's
 * rows changed is the next one spaced by the back-off (doubling from {@code recheck-backoff}), which
 * gives a busy range time to settle before the rounds run out and it is left undecided. (That an
 * alert's check of a table, rather than a pass, reports the rows of a replica whose applier was just
 * skipped past an error is the scanner's business: it holds such a finding back, see
 * {@code applier-change-hold}.)
 * <p>
 * The scanner uses two: one with no confirmation for chunks (a chunk that still differs after its
 * first fenced read is a candidate, narrowed at once by {@link Bisector}), and one with
 * {@code confirmations} for each leaf the narrowing finds differing, so the rounds that prove a
 * difference read a few dozen rows, not the whole chunk, on both servers.
 */
final class ChunkComparer {

    /** What the comparer needs of the settings. */
    record Settings(Duration fenceTimeout, int confirmations, Duration backoff) {
    }

    private final Settings settings;
    private final HotRanges hot;
    private final String cluster;

    private static final Duration MAX_BACKOFF = Duration.ofSeconds(2);
    /** How late a binlog listener's report of a transaction may reach the checker (through Kafka). */
    static final Duration STREAM_SLACK = Duration.ofSeconds(2);

    private long lastSourceNanos;

    /** How long the source's first checksum of the last comparison took: what chunk sizing adapts to. */
    long lastSourceNanos() {
        return lastSourceNanos;
    }

    /** Records how long the source's read of a chunk took when it was read before {@code compare}. */
    void sourceRead(long nanos) {
        lastSourceNanos = nanos;
    }

    ChunkComparer(String cluster, Settings settings, HotRanges hot) {
        this.cluster = cluster;
        this.settings = settings;
        this.hot = hot;
    }

    /**
     * Reads the range on the source and on every replica at the same time (each server still has one
     * query in flight), and takes a replica that shows the source's checksum as matching: it had
     * exactly the source's rows, whatever the moment, so it needs no fence. Only a replica that differs
     * goes through the fenced rounds of {@link #compare}, starting from the checksum the source just
     * gave. A chunk that matches therefore costs one read on each server, side by side.
     */
    Map<ServerSession, Verdict> compareAtOnce(ServerSession source, List<ServerSession> replicas, TableShape shape,
                                              ChunkSql sql, KeyRange range, ExecutorService readers)
            throws SQLException, InterruptedException {
        FirstLook look = lookAtOnce(source, replicas, shape, sql, range, readers);
        if (look.rounds() == null) {
            return look.matched();
        }
        Map<ServerSession, Verdict> verdicts = new LinkedHashMap<>();
        for (ServerSession r : replicas) {
            verdicts.put(r, look.matched().get(r)); // null for now keeps the replicas' order
        }
        long took = lastSourceNanos;
        verdicts.putAll(look.rounds().runToEnd());
        lastSourceNanos = took;
        return verdicts;
    }

    /**
     * The side-by-side read of {@link #compareAtOnce}: the replicas that matched, and the fenced rounds
     * still to run for those that differ ({@code null} when none does), which the caller may run one at
     * a time, when each is due, between other work.
     */
    record FirstLook(ChunkSum source, Map<ServerSession, Verdict> matched, Rounds rounds) {
    }

    FirstLook lookAtOnce(ServerSession source, List<ServerSession> replicas, TableShape shape, ChunkSql sql,
                         KeyRange range, ExecutorService readers) throws SQLException, InterruptedException {
        return lookAtOnce(source, replicas, shape, sql, range, readers, null);
    }

    /**
     * As {@link #lookAtOnce(ServerSession, List, TableShape, ChunkSql, KeyRange, ExecutorService)}, with
     * one round of another comparison ({@code overlap}, not null) run through it, so that no server
     * waits on the other: first the round's source half while the replicas read the chunk, then the
     * source reads the chunk while the round's replicas wait for its fence and are read. Each server
     * still has one query in flight, and each comparison's reads keep the order it relies on (the
     * first look needs none: a replica showing the source's checksum had the source's rows at some
     * moment, whichever was read first).
     */
    FirstLook lookAtOnce(ServerSession source, List<ServerSession> replicas, TableShape shape, ChunkSql sql,
                         KeyRange range, ExecutorService readers, Rounds overlap) throws SQLException, InterruptedException {
        Map<ServerSession, Future<ChunkSum>> reads = new LinkedHashMap<>();
        for (ServerSession r : replicas) {
            reads.put(r, readers.submit(() -> r.checksum(sql, range)));
        }
        ChunkSum s;
        if (overlap != null) {
            try {
                overlap.sourceHalf();
            } finally {
                awaitAll(reads.values());
            }
            Future<?> replicaHalf = readers.submit(() -> {
                overlap.replicaHalf();
                return null;
            });
            try {
                long started = System.nanoTime();
                s = source.checksum(sql, range);
                lastSourceNanos = System.nanoTime() - started;
            } finally {
                awaitAll(List.of(replicaHalf));
            }
            get(replicaHalf);
        } else {
            long started = System.nanoTime();
            try {
                s = source.checksum(sql, range);
                lastSourceNanos = System.nanoTime() - started;
            } finally {
                // a replica's session must be idle again before anything else is sent on it
                awaitAll(reads.values());
            }
        }
        Map<ServerSession, Verdict> matched = new LinkedHashMap<>();
        List<ServerSession> differing = new java.util.ArrayList<>();
        for (Map.Entry<ServerSession, Future<ChunkSum>> e : reads.entrySet()) {
            ChunkSum rs = get(e.getValue());
            if (rs.equals(s)) {
                matched.put(e.getKey(), Verdict.match(s, rs));
            } else {
                differing.add(e.getKey());
            }
        }
        return new FirstLook(s, matched, differing.isEmpty() ? null
                : new Rounds(source, differing, shape, sql, range, s));
    }

    /** Waits until every read has ended, however it ended: a session must be idle before it is used again. */
    private static void awaitAll(java.util.Collection<? extends Future<?>> reads) throws InterruptedException {
        for (Future<?> f : reads) {
            try {
                f.get();
            } catch (ExecutionException ignored) {
                // reported by get, once every read has ended
            }
        }
    }

    /** An ended read's result, or its failure. */
    static <T> T get(Future<T> read) throws SQLException, InterruptedException {
        try {
            return read.get();
        } catch (ExecutionException failed) {
            if (failed.getCause() instanceof SQLException sqe) {
                throw sqe;
            }
            throw new IllegalStateException(failed.getCause());
        }
    }

    /** One verdict per replica, in the replicas' order. */
    Map<ServerSession, Verdict> compare(ServerSession source, List<ServerSession> replicas, TableShape shape,
                                        ChunkSql sql, KeyRange range) throws SQLException, InterruptedException {
        return compare(source, replicas, shape, sql, range, null);
    }

    /**
     * As {@link #compare(ServerSession, List, TableShape, ChunkSql, KeyRange)}, with the source's first
     * checksum already read (by the query that also found the chunk's bound), just before this call.
     */
    Map<ServerSession, Verdict> compare(ServerSession source, List<ServerSession> replicas, TableShape shape,
                                        ChunkSql sql, KeyRange range, ChunkSum firstSource)
            throws SQLException, InterruptedException {
        return rounds(source, replicas, shape, sql, range, firstSource).runToEnd();
    }

    /** The rounds of {@link #compare(ServerSession, List, TableShape, ChunkSql, KeyRange, ChunkSum)}, none run yet. */
    Rounds rounds(ServerSession source, List<ServerSession> replicas, TableShape shape, ChunkSql sql, KeyRange range,
                  ChunkSum firstSource) {
        return new Rounds(source, replicas, shape, sql, range, firstSource);
    }

    /** What a round's source half leaves for its replica half. */
    private record Half(ChunkSum source, String fence, boolean stable) {
    }

    /**
     * The fenced rounds of one range's comparison, as a state that can be resumed: {@link #round()}
     * runs one, and {@link #dueNanos()} says when the next may run (at once while the source's rows
     * are seen unchanged, after the back-off once they changed). What makes a difference confirmed
     * depends only on the order of the reads within and across rounds, never on how long the pause
     * between two rounds is (see the class comment), so the pause may be longer than the back-off
     * (other chunks read meanwhile) or none, without weakening anything.
     */
    final class Rounds {

        private final ServerSession source;
        private final List<ServerSession> replicas;
        private final TableShape shape;
        private final ChunkSql sql;
        private final KeyRange range;
        private final ChunkSum firstSource;
        private final Map<ServerSession, Verdict> verdicts = new LinkedHashMap<>();
        private final Map<ServerSession, Integer> streak = new LinkedHashMap<>();
        private final java.util.Set<ServerSession> decided = new java.util.HashSet<>();
        // every source checksum seen: a replica showing any of them had exactly the source's rows at a moment
        private final java.util.Set<ChunkSum> witnessed = new java.util.HashSet<>();
        private final int maxRounds = settings.confirmations() + 4;
        private Instant since = Instant.now();
        private ChunkSum previous;
        private ChunkSum first;
        private Duration pause = settings.backoff();
        private int round;
        private boolean done;
        private long dueNanos = System.nanoTime();
        /** The round under way between its source half and its replica half; null between rounds. */
        private Half half;

        private Rounds(ServerSession source, List<ServerSession> replicas, TableShape shape, ChunkSql sql,
                       KeyRange range, ChunkSum firstSource) {
            this.source = source;
            this.replicas = List.copyOf(replicas);
            this.shape = shape;
            this.sql = sql;
            this.range = range;
            this.firstSource = firstSource;
        }

        KeyRange range() {
            return range;
        }

        /** The source's checksum in the first round (null before it ran). */
        ChunkSum first() {
            return first;
        }

        boolean done() {
            return done;
        }

        /** The rounds run so far (each four statements: the source's read and fence, the replica's wait and read). */
        int rounds() {
            return round;
        }

        /** {@link System#nanoTime()} from which the next round may run. */
        long dueNanos() {
            return dueNanos;
        }

        /** The verdicts so far (final once {@link #done()}), in the replicas' order. */
        Map<ServerSession, Verdict> verdicts() {
            return verdicts;
        }

        Map<ServerSession, Verdict> runToEnd() throws SQLException, InterruptedException {
            while (!done) {
                long wait = dueNanos - System.nanoTime();
                if (wait > 0) {
                    Thread.sleep(Math.max(1, wait / 1_000_000));
                }
                round();
            }
            return verdicts;
        }

        /** Runs the next round; afterwards either {@link #done()} or due again after the back-off. */
        void round() throws SQLException, InterruptedException {
            sourceHalf();
            replicaHalf();
        }

        /**
         * The first half of a round, on the source only: its checksum, then its executed GTIDs (the
         * fence). The round ends with {@link #replicaHalf()}, which uses only the replicas; between
         * the two the source is free for another read (a chunk of the pass), which changes nothing
         * of the order the proof rests on: the replicas are read after this fence, and the next
         * round's source read comes after them.
         */
        void sourceHalf() throws SQLException {
            if (done || half != null) {
                throw new IllegalStateException(done ? "the comparison is over" : "the round's source half has run");
            }
            long roundStart = System.currentTimeMillis();
            long started = System.nanoTime();
            ChunkSum s = round == 0 && firstSource != null ? firstSource : source.checksum(sql, range);
            if (round == 0 && firstSource == null) {
                lastSourceNanos = System.nanoTime() - started;
            }
            String fence = source.executedGtids();
            if (round == 0) {
                first = s;
            }
            witnessed.add(s);
            // touched since the round before began, less the stream's delivery slack: a transaction the
            // listener reports late still makes the chunk hot for the round after
            boolean stable = previous != null && previous.equals(s)
                    && !hot.touchedSince(cluster, shape.table(), range, since.minus(STREAM_SLACK));
            since = Instant.ofEpochMilli(roundStart);
            previous = s;
            half = new Half(s, fence, stable);
        }

        /** The second half of a round, on the replicas only: each waits for the fence, then is read. */
        void replicaHalf() throws SQLException {
            if (half == null) {
                throw new IllegalStateException("the round's source half has not run");
            }
            Half h = half;
            half = null;
            ChunkSum s = h.source();
            boolean undecided = false;
            for (ServerSession r : replicas) {
                if (decided.contains(r)) {
                    continue;
                }
                if (!r.awaitGtids(h.fence(), settings.fenceTimeout())) {
                    // a stopped or far-behind replica: nothing can be said of it this time
                    verdicts.put(r, Verdict.inconclusive(s, null, "replica did not reach the source's GTIDs within "
                            + settings.fenceTimeout().toMillis() + " ms"));
                    decided.add(r);
                    continue;
                }
                ChunkSum rs = r.checksum(sql, range);
                if (witnessed.contains(rs)) {
                    verdicts.put(r, Verdict.match(s, rs));
                    decided.add(r);
                    continue;
                }
                int n = round == 0 ? 0 : h.stable() ? streak.getOrDefault(r, 0) + 1 : 0;
                streak.put(r, n);
                if (n >= settings.confirmations()) {
                    verdicts.put(r, Verdict.differ(s, rs));
                    decided.add(r);
                } else {
                    verdicts.put(r, Verdict.inconclusive(s, rs, "hot: the source's rows changed while comparing"));
                    undecided = true;
                }
            }
            // the source's rows changed since the round before: give the range time to settle
            boolean changed = round > 0 && !h.stable();
            round++;
            done = !undecided || round >= maxRounds;
            if (!done && changed) {
                dueNanos = System.nanoTime() + pause.toNanos();
                pause = pause.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : pause.multipliedBy(2);
            } else if (!done) {
                dueNanos = System.nanoTime(); // nothing to wait for: the order of the reads is the proof
            }
        }
    }
}
