package io.replsentinel.divergence;

import io.replsentinel.event.DivergenceFinding;
import io.replsentinel.inventory.WatchedInstance;
import org.jboss.logging.Logger;

import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The checker of one cluster, on one thread of its own, so that each server has at most one of
 * its chunk queries in flight. In order of priority it: runs the next fenced round of a chunk of
 * the pass that differed at first sight (when due: at once while the source's rows stay unchanged,
 * after a back-off once they changed; the pass reads on meanwhile),
 * re-checks ranges it holds for diverged (so a repair resolves them, one re-check interval after
 * each was found), runs checks that alerts asked for (whole tables, first), compares again what it
 * held back on a replica whose applier had just stopped or started, and walks
 * every included table chunk by chunk in a slow background pass. Before each chunk it pauses while
 * the source is busy or a replica lags; a replica whose replication is not running is left out of
 * that chunk (no fence could be met).
 */
final class ClusterScanner implements Runnable {

    private static final Logger LOG = Logger.getLogger(ClusterScanner.class);
    private static final int TRIGGER_ATTEMPTS = 30;
    /** How long a reading of the pause thresholds (source busy, replica lag) holds for the chunks after it. */
    private static final Duration READY_RECHECK = Duration.ofSeconds(1);

    /** A check an alert asked for: these tables on these replicas (all tables when empty). */
    record Trigger(List<TableRef> tables, Optional<String> replica, String alertname, int attempt, Instant notBefore) {
    }

    private final String cluster;
    private final List<WatchedInstance> instances;
    private final DivergenceConfig config;
    private final String jdbcOptions;
    private final Duration connectTimeout;
    private final Consumer<DivergenceFinding> publish;
    private final DivergenceMetrics metrics;
    /** Compares chunks: one that still differs after its first fenced read is a candidate, narrowed at once. */
    private final ChunkComparer comparer;
    /** Confirms a candidate's differing leaves over {@code confirmations} rounds before their rows are named. */
    private final ChunkComparer confirmer;
    private final HotRanges hot;
    private final TableCatalog catalog;
    private final LinkedBlockingQueue<Trigger> triggers = new LinkedBlockingQueue<>();
    private final Map<String, OpenRange> open = new LinkedHashMap<>();
    /**
     * When each open range is next checked again. Per range, and one interval after it was found:
     * the finding was just confirmed over several rounds, so an immediate re-check could only repeat
     * it (at the cost of those rounds again), and a stream of new findings never delays older ones.
     */
    private final Map<String, Instant> recheckDue = new LinkedHashMap<>();
    /**
     * Chunks of the background pass that differed at first sight, with the fenced rounds that confirm
     * or clear them still to run. Their back-off pauses (after a round that saw the source's rows
     * change) are spent reading the next chunks instead of waiting, and a round due while the pass
     * reads the same table runs through its next chunk; each server still has one query in flight
     * at a time, as this thread sends them all.
     */
    private final List<Pending> pending = new ArrayList<>();
    /** A pass whose chunks have all been read, finished once its pending chunks are decided. */
    private boolean passUnfinished;
    private final Map<TableRef, ChunkSizer> sizers = new LinkedHashMap<>();
    private final PassClock clock = new PassClock();

    private volatile boolean stopped;
    private volatile ScanReport report;
    private ServerSession source;
    private final List<ServerSession> replicas = new ArrayList<>();
    private TableCatalog.Tables tables = new TableCatalog.Tables(List.of(), Map.of());
    private Deque<TableShape> pass = new ArrayDeque<>();
    private Optional<List<String>> passLower = Optional.empty();
    private List<ServerSession> readyChecked;
    private long readyCheckedAt;
    /** The walk of the pass's current table, when its key is one integer column. */
    private IntegerKeyChunks walk;
    /** One reader thread per replica, so a chunk is read on every server at once. */
    private final java.util.concurrent.ExecutorService readers;
    private Instant nextPassAt = Instant.EPOCH;
    private Instant lastPassFinishedAt;
    private int passes;
    private long rowsChecked;
    private String state = "starting";
    private String lastError;

    /** A chunk whose comparison is under way, with what its findings will say about how it was found. */
    private record Pending(TableShape shape, ChunkSql sql, ChunkComparer.Rounds rounds, String foundBy, String trigger) {
    }

    /**
     * What a replica's applier looked like when last read ({@link ServerSession#applierThreads()}) and
     * when that was first seen: a change in it is a stop or a start of the applier.
     */
    private record Applier(String threads, Instant changedAt) {
    }

    /**
     * Each replica's applier as last read; kept across reconnects (a reading is of the server, not of
     * the session), so a restart between two sessions is still seen.
     */
    private final Map<String, Applier> appliers = new java.util.HashMap<>();

    /** A range a pass found differing on a replica whose applier had just changed, to compare again from {@code until}. */
    private record Held(String replica, TableShape shape, KeyRange range, Instant until) {
    }

    /**
     * New findings of the background pass held back (see {@link DivergenceConfig#applierChangeHold()}):
     * a check an alert asks for meanwhile claims them; otherwise each is compared again when its hold
     * is over and reported as the pass's.
     */
    private final List<Held> held = new ArrayList<>();
    private volatile int heldCount;

    /** A range this scanner holds for diverged on one replica. */
    private record OpenRange(String replica, TableShape shape, KeyRange range, String rangeId, DivergenceFinding finding,
                             List<RowDifference> rows) {
    }

    /** The differing rows already reported for one replica's table. */
    private java.util.Set<RowDifference> knownKeys(String replica, TableRef table) {
        java.util.Set<RowDifference> known = new java.util.HashSet<>();
        open.values().stream().filter(o -> o.replica().equals(replica) && o.shape().table().equals(table))
                .forEach(o -> known.addAll(o.rows()));
        return known;
    }

    ClusterScanner(String cluster, List<WatchedInstance> instances, DivergenceConfig config, String jdbcOptions,
                   Duration connectTimeout, Consumer<DivergenceFinding> publish, DivergenceMetrics metrics,
                   HotRanges hot) {
        this.cluster = cluster;
        this.instances = List.copyOf(instances);
        this.config = config;
        this.jdbcOptions = jdbcOptions;
        this.connectTimeout = connectTimeout;
        this.publish = publish;
        this.metrics = metrics;
        this.hot = hot;
        // a chunk that still differs after one fenced read is narrowed at once; the confirming rounds
        // then run over each differing leaf of a few dozen rows, not over the whole chunk again
        this.comparer = new ChunkComparer(cluster, new ChunkComparer.Settings(config.fenceTimeout(), 0,
                config.recheckBackoff()), hot);
        this.confirmer = new ChunkComparer(cluster, new ChunkComparer.Settings(config.fenceTimeout(),
                config.confirmations(), config.recheckBackoff()), hot);
        this.catalog = new TableCatalog(TableFilter.of(config));
        this.readers = java.util.concurrent.Executors.newFixedThreadPool(Math.max(1, instances.size() - 1), r -> {
            Thread t = new Thread(r, "divergence-read-" + cluster);
            t.setDaemon(true);
            return t;
        });
        this.report = new ScanReport(cluster, null, List.of(), List.of(), List.of(), List.of(), 0, 0, null, state, null);
    }

    String cluster() {
        return cluster;
    }

    ScanReport report() {
        return report;
    }

    /** How many new findings are held back now, as of the end of the last step. */
    int heldBack() {
        return heldCount;
    }

    /** Where this scanner's time went; read it once the scanner's thread has ended. */
    PassClock clock() {
        return clock;
    }

    void trigger(Trigger t) {
        triggers.add(t);
    }

    void stop() {
        stopped = true;
    }

    @Override
    public void run() {
        while (!stopped) {
            try {
                connect();
                step();
            } catch (SQLException | RuntimeException e) {
                String error = e.getClass().getSimpleName() + ": " + e.getMessage();
                // said once per distinct error: a server down for an hour is one line, not thousands
                if (!error.equals(lastError)) {
                    LOG.warnf("Data check of %s interrupted, retrying in %s: %s", cluster, config.pauseFor(), error);
                }
                lastError = error;
                state = "error";
                closeSessions();
                sleep(config.pauseFor());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } finally {
                publishReport();
            }
        }
        closeSessions();
        readers.shutdownNow();
    }

    private void step() throws SQLException, InterruptedException {
        Instant now = Instant.now();
        Pending due = duePending();
        Trigger t = triggers.peek();
        boolean recheck = recheckDue.values().stream().anyMatch(at -> !now.isBefore(at));
        boolean triggered = t != null && !now.isBefore(t.notBefore());
        if (due != null && !recheck && !triggered && overlaps(due)) {
            // the round runs through the pass's next chunk: each server reads for one while the other reads for the other
            scanNextChunk(due);
            return;
        }
        if (due != null) {
            long t0 = PassClock.start();
            try {
                due.rounds().round();
            } catch (SQLException e) {
                if (!isNoSuchTable(e)) {
                    throw e;
                }
                pending.remove(due); // dropped (or renamed) meanwhile: nothing left to compare
                return;
            } finally {
                clock.stop(PassClock.Phase.confirm, t0);
            }
            if (due.rounds().done()) {
                pending.remove(due);
                settle(due.shape(), due.sql(), due.rounds().range(), due.rounds().verdicts(), due.foundBy(), due.trigger());
            }
            return;
        }
        if (recheck) {
            recheckOpen(now);
            return;
        }
        if (triggered) {
            triggers.remove();
            runTrigger(t);
            return;
        }
        if (held.stream().anyMatch(h -> !now.isBefore(h.until()))) {
            recheckHeld(now);
            return;
        }
        if (pass.isEmpty() && passUnfinished && pending.isEmpty()) {
            finishPass();
            // the report (published after each step) says so now, not after the idle wait below
            return;
        }
        if (pass.isEmpty() && !passUnfinished && !now.isBefore(nextPassAt)) {
            startPass();
        }
        if (!pass.isEmpty()) {
            scanNextChunk(null);
            return;
        }
        // idle: wake for a trigger, the next re-check or the next round of a pending chunk
        long wait = 200;
        for (Pending p : pending) {
            wait = Math.min(wait, Math.max(1, (p.rounds().dueNanos() - System.nanoTime()) / 1_000_000));
        }
        long t0 = PassClock.start();
        Trigger next = triggers.poll(wait, TimeUnit.MILLISECONDS);
        if (next != null) {
            triggers.add(next);
            if (next.notBefore().isAfter(Instant.now())) {
                sleep(Duration.ofMillis(200));
            }
        }
        clock.stop(PassClock.Phase.idle, t0);
    }

    private void startPass() throws SQLException {
        long t0 = PassClock.start();
        tables = catalog.read(source);
        clock.stop(PassClock.Phase.catalog, t0);
        metrics.skipped(cluster, tables.skipped());
        pass = new ArrayDeque<>(tables.checked());
        passLower = Optional.empty();
        walk = null;
        passUnfinished = true;
        state = "scanning";
    }

    private void finishPass() {
        passUnfinished = false;
        passes++;
        lastPassFinishedAt = Instant.now();
        nextPassAt = lastPassFinishedAt.plus(config.scanInterval());
        state = "idle";
    }

    /**
     * True when the due round can run through the pass's next chunk: a chunk of the same table (a
     * table dropped meanwhile then ends both at once, as the pass handles it), cut by key value, so
     * the chunk's reads need no bound from the source first.
     */
    private boolean overlaps(Pending due) {
        TableShape next = pass.peek();
        return next != null && next.integerKey() && next.table().equals(due.shape().table())
                && (walk == null || !walk.done());
    }

    /** The pending chunk whose next round is due, longest due first; null when none is. */
    private Pending duePending() {
        long now = System.nanoTime();
        Pending due = null;
        for (Pending p : pending) {
            if (p.rounds().dueNanos() - now <= 0 && (due == null || p.rounds().dueNanos() - due.rounds().dueNanos() < 0)) {
                due = p;
            }
        }
        return due;
    }

    /**
     * Reads the pass's next chunk; {@code overlap}, when not null, is a pending chunk whose next
     * round runs through this chunk's reads (see {@link #overlaps}).
     */
    private void scanNextChunk(Pending overlap) throws SQLException, InterruptedException {
        TableShape shape = pass.peek();
        // the thresholds are read at most once a second, not before every chunk: a chunk can take milliseconds
        if (readyChecked == null || System.nanoTime() - readyCheckedAt > READY_RECHECK.toNanos()) {
            long t0 = PassClock.start();
            readyChecked = readyReplicas();
            readyCheckedAt = System.nanoTime();
            clock.stop(PassClock.Phase.thresholds, t0);
        }
        if (readyChecked == null) {
            return;
        }
        List<ServerSession> ready = new ArrayList<>(readyChecked);
        // a check an alert asked for owns its tables on its replica until it has run: what it finds is
        // said to be found by it, with the alert that asked
        ready.removeIf(r -> awaitingTrigger(r.id(), shape.table()));
        ChunkSizer sizer = sizers.computeIfAbsent(shape.table(), t -> new ChunkSizer(config.chunkTime(),
                config.initialChunkRows(), config.minChunkRows(), config.maxChunkRows()));
        ChunkSql sql = new ChunkSql(shape, config.hash());
        KeyRange range;
        long rows;
        try {
            if (shape.integerKey()) {
                if (walk == null) {
                    long t0 = PassClock.start();
                    String[] bounds = source.keyBounds(sql);
                    walk = new IntegerKeyChunks(bounds[0], bounds[1]);
                    clock.stop(PassClock.Phase.key_bounds, t0);
                }
                range = walk.next(sizer.rows());
                rows = checkRange(shape, sql, range, ready, sizer, DivergenceFinding.SCHEDULED, null, null, true, true,
                        overlap).rows;
                walk.measured(rows);
            } else {
                Next next = next(sql, shape, passLower, sizer.rows());
                range = next.range();
                rows = checkRange(shape, sql, range, ready, sizer, DivergenceFinding.SCHEDULED, null, next.sum(), false,
                        true, null).rows;
            }
        } catch (SQLException e) {
            if (!isNoSuchTable(e)) {
                throw e;
            }
            // dropped (or renamed) since the pass began: nothing left to compare
            pass.remove();
            passLower = Optional.empty();
            walk = null;
            return;
        }
        throttle(rows);
        if (range.upper().isEmpty()) {
            pass.remove();
            passLower = Optional.empty();
            walk = null;
            if (pass.isEmpty() && pending.isEmpty()) {
                finishPass();
            }
        } else {
            passLower = range.upper();
        }
    }

    /** The next chunk's range, and the source's checksum of it when the same query read it. */
    private record Next(KeyRange range, ChunkSum sum) {
    }

    private Next next(ChunkSql sql, TableShape shape, Optional<List<String>> lower, int rows) throws SQLException {
        if (!sql.singleKey()) {
            return new Next(nextRange(sql, shape, lower, rows), null);
        }
        long started = System.nanoTime();
        ServerSession.Head head = source.head(sql, lower, rows);
        comparer.sourceRead(System.nanoTime() - started);
        if (head.sum().rows() < rows) {
            // the last chunk stays open above, so rows only a replica has past the source's end are in it too;
            // a row the source gained meanwhile only makes the first round differ, and it is read again
            return new Next(new KeyRange(lower, Optional.empty()), head.sum());
        }
        return new Next(new KeyRange(lower, head.last()), head.sum());
    }

    /** The chunk above {@code lower}: up to the key of its {@code rows}-th row, or open-ended when fewer remain. */
    private KeyRange nextRange(ChunkSql sql, TableShape shape, Optional<List<String>> lower, int rows) throws SQLException {
        // the last chunk stays open above, so rows only a replica has past the source's end are in it too
        return new KeyRange(lower, source.keyAt(sql, shape, new KeyRange(lower, Optional.empty()), rows - 1));
    }

    private record Checked(long rows, boolean decided) {
    }

    /** Compares one range on the given replicas and publishes what changed; returns the source's row count. */
    private Checked checkRange(TableShape shape, ChunkSql sql, KeyRange range, List<ServerSession> on,
                               ChunkSizer sizer, String foundBy, String trigger) throws SQLException, InterruptedException {
        return checkRange(shape, sql, range, on, sizer, foundBy, trigger, null, false, false, null);
    }

    /**
     * @param atOnce read the source and the replicas side by side (the range is known before any read)
     * @param defer  leave a chunk that differs at first sight {@link #pending}: its further rounds run
     *               when due, between the next chunks, and it is decided then (never called decided here)
     * @param overlap a pending chunk whose next round runs through this one's side-by-side read (with
     *                {@code atOnce} and {@code defer}), settled here when that round decides it; or null
     */
    private Checked checkRange(TableShape shape, ChunkSql sql, KeyRange range, List<ServerSession> on,
                               ChunkSizer sizer, String foundBy, String trigger, ChunkSum firstSource, boolean atOnce,
                               boolean defer, Pending overlap)
            throws SQLException, InterruptedException {
        if (on.isEmpty() || (overlap != null && !(atOnce && defer))) {
            overlap = null; // nothing to read beside: the round runs on its own when due
        }
        if (on.isEmpty()) {
            if (atOnce) {
                // nothing to compare with, but the walk still needs the chunk's row count to size the next one
                firstSource = source.checksum(sql, range);
            }
            return new Checked(firstSource == null ? 0 : firstSource.rows(), false);
        }
        long started = System.nanoTime();
        Map<ServerSession, Verdict> verdicts;
        boolean decided;
        long rows;
        if (defer) {
            ChunkComparer.Rounds rest;
            if (atOnce) {
                long t0 = PassClock.start();
                ChunkComparer.FirstLook look = comparer.lookAtOnce(source, on, shape, sql, range, readers,
                        overlap == null ? null : overlap.rounds());
                if (overlap == null) {
                    clock.stop(sizer != null && sizer.rows() < config.maxChunkRows() ? PassClock.Phase.ramp_chunks
                            : PassClock.Phase.chunks, t0);
                } else {
                    clock.stop(PassClock.Phase.chunks_and_confirm, t0);
                }
                if (overlap != null && overlap.rounds().done()) {
                    pending.remove(overlap);
                    settle(overlap.shape(), overlap.sql(), overlap.rounds().range(), overlap.rounds().verdicts(),
                            overlap.foundBy(), overlap.trigger());
                }
                verdicts = look.matched();
                rest = look.rounds();
                rows = look.source().rows();
            } else {
                rest = comparer.rounds(source, on, shape, sql, range, firstSource);
                rest.round();
                rows = rest.first().rows();
                verdicts = rest.done() ? rest.verdicts() : Map.of();
                rest = rest.done() ? null : rest;
            }
            decided = settle(shape, sql, range, verdicts, foundBy, trigger) && rest == null;
            if (rest != null) {
                pending.add(new Pending(shape, sql, rest, foundBy, trigger));
            }
        } else {
            verdicts = atOnce ? comparer.compareAtOnce(source, on, shape, sql, range, readers)
                    : comparer.compare(source, on, shape, sql, range, firstSource);
            rows = 0;
            for (Verdict v : verdicts.values()) {
                rows = v.source().rows();
            }
            decided = settle(shape, sql, range, verdicts, foundBy, trigger);
        }
        if (sizer != null) {
            sizer.measured(rows, Duration.ofNanos(comparer.lastSourceNanos()));
        }
        rowsChecked += rows;
        metrics.rows(cluster, rows);
        LOG.tracef("%s %s %s: %s in %d ms", cluster, shape.table(), range, verdicts.values(),
                (System.nanoTime() - started) / 1_000_000);
        return new Checked(rows, decided);
    }

    /** Publishes what the verdicts change; true when every one of them is decided. */
    private boolean settle(TableShape shape, ChunkSql sql, KeyRange range, Map<ServerSession, Verdict> verdicts,
                           String foundBy, String trigger) throws SQLException {
        boolean decided = true;
        for (Map.Entry<ServerSession, Verdict> e : verdicts.entrySet()) {
            Verdict v = e.getValue();
            Verdict.Kind kind = v.kind();
            if (kind == Verdict.Kind.DIFFER && !diverged(e.getKey(), shape, sql, range, v, foundBy, trigger)) {
                kind = Verdict.Kind.INCONCLUSIVE; // no leaf's difference held while the source's rows stayed put: hot
            }
            metrics.chunk(cluster, kind.name().toLowerCase());
            switch (kind) {
                case MATCH -> matched(e.getKey(), shape, range, v);
                case DIFFER -> { }
                case INCONCLUSIVE -> decided = false;
            }
        }
        return decided;
    }

    private void matched(ServerSession replica, TableShape shape, KeyRange range, Verdict v) {
        String k = key(replica.id(), Findings.rangeId(shape.table(), range));
        OpenRange was = open.remove(k);
        recheckDue.remove(k);
        if (was != null) {
            publish.accept(Findings.matched(was.finding(), v, Instant.now()));
        }
    }

    /**
     * A chunk that still differed after its fenced read: narrowed to its rows, each differing leaf
     * confirmed on its own, and reported. False when no leaf's difference was confirmed (the rows
     * changed on the source meanwhile): the chunk is hot, not diverged.
     */
    private boolean diverged(ServerSession replica, TableShape shape, ChunkSql sql, KeyRange range, Verdict v,
                             String foundBy, String trigger) throws SQLException {
        String rangeId = Findings.rangeId(shape.table(), range);
        OpenRange was = open.get(key(replica.id(), rangeId));
        if (was == null && DivergenceFinding.SCHEDULED.equals(foundBy) && awaitingTrigger(replica.id(), shape.table())) {
            // an alert asked for this table while this chunk waited on its fence: the triggered check
            // reports it, with the alert that asked
            return true;
        }
        if (was == null && DivergenceFinding.SCHEDULED.equals(foundBy) && applierJustChanged(replica)) {
            hold(replica.id(), shape, range);
            return true;
        }
        if (was != null && was.finding().sourceChecksum().equals(v.source().hex())
                && was.finding().replicaChecksum().equals(v.replica().hex())) {
            return true; // the same difference as last time: nothing new to say
        }
        long t0 = PassClock.start();
        long confirmedBefore = clock.nanos(PassClock.Phase.confirm_leaves);
        Bisector.Result narrowed = new Bisector(source, replica, shape, sql, config.leafRows(), config.maxReportedRows(),
                config.fenceTimeout(), readers, leaf -> confirmLeaf(replica, shape, sql, leaf)).narrow(range, v.source(),
                v.replica());
        // the leaves' rounds, run from inside the narrowing, are a phase of their own
        clock.stop(PassClock.Phase.narrow, t0 + (clock.nanos(PassClock.Phase.confirm_leaves) - confirmedBefore));
        if (narrowed.rows().isEmpty()) {
            // every leaf that differed changed on the source meanwhile, the difference was gone by the time
            // the halves were read, or the replica fell behind the fence: no row's difference was confirmed
            LOG.debugf("Difference in %s on %s not confirmed (%d leaves hot, search cut short: %s)", shape.table(),
                    replica.id(), narrowed.unconfirmed(), narrowed.truncated());
            return false;
        }
        if (was == null && !narrowed.truncated() && knownKeys(replica.id(), shape.table()).containsAll(narrowed.rows())) {
            // a later pass chunks differently: these rows are already reported under the range that found them
            return true;
        }
        List<String> lastTouched = hot.lastTouched(cluster, shape.table(),
                narrowed.rows().stream().map(RowDifference::key).toList());
        DivergenceFinding f = Findings.diverged(cluster, replica.id(), source.id(), shape, range, rangeId, v, narrowed,
                was != null ? was.finding().foundBy() : foundBy, was != null ? was.finding().trigger() : trigger,
                config.reportKeyValues(), lastTouched, Instant.now());
        open.put(key(replica.id(), rangeId), new OpenRange(replica.id(), shape, range, rangeId, f, narrowed.rows()));
        recheckDue.putIfAbsent(key(replica.id(), rangeId), Instant.now().plus(config.recheckInterval()));
        LOG.warnf("Data divergence in %s on %s, table %s: %d row(s) differ (source %d rows, replica %d rows)",
                cluster, replica.id(), shape.table(), f.differingRows(), f.sourceRows(), f.replicaRows());
        publish.accept(f);
        return true;
    }

    /**
     * The fenced rounds of {@link ChunkComparer} over one leaf of a candidate chunk: its difference is
     * confirmed only after {@code confirmations} rounds in which the source's rows of the leaf stayed
     * the same and the replica still differed.
     */
    private Bisector.Confirmation confirmLeaf(ServerSession replica, TableShape shape, ChunkSql sql, KeyRange leaf)
            throws SQLException {
        long t0 = PassClock.start();
        try {
            ChunkComparer.Rounds rounds = confirmer.rounds(source, List.of(replica), shape, sql, leaf, null);
            Verdict v = rounds.runToEnd().get(replica);
            return new Bisector.Confirmation(v != null && v.kind() == Verdict.Kind.DIFFER, 4 * rounds.rounds());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException("interrupted while confirming a difference", e);
        } finally {
            clock.stop(PassClock.Phase.confirm_leaves, t0);
        }
    }

    private void recheckOpen(Instant now) throws SQLException, InterruptedException {
        for (OpenRange o : List.copyOf(open.values())) {
            String k = key(o.replica(), o.rangeId());
            Instant due = recheckDue.get(k);
            if (due == null || now.isBefore(due)) {
                continue;
            }
            recheckDue.put(k, now.plus(config.recheckInterval()));
            Optional<ServerSession> replica = replicas.stream().filter(r -> r.id().equals(o.replica())).findFirst();
            if (replica.isEmpty() || lagOf(replica.get()).isEmpty()) {
                continue;
            }
            try {
                checkRange(o.shape(), new ChunkSql(o.shape(), config.hash()), o.range(), List.of(replica.get()), null,
                        o.finding().foundBy(), o.finding().trigger());
            } catch (SQLException e) {
                if (!isNoSuchTable(e)) {
                    throw e;
                }
                // the table is gone from the source: no rows left to differ
                open.remove(k);
                recheckDue.remove(k);
                ChunkSum none = new ChunkSum(0, 0);
                publish.accept(Findings.matched(o.finding(), Verdict.match(none, none), Instant.now()));
            }
        }
    }

    private void runTrigger(Trigger t) throws SQLException, InterruptedException {
        List<TableShape> shapes = new ArrayList<>();
        if (t.tables().isEmpty()) {
            shapes.addAll(catalog.read(source).checked());
        } else {
            TableFilter filter = TableFilter.of(config);
            for (TableRef ref : t.tables()) {
                TableShape s = filter.accepts(ref) ? TableCatalog.shape(source, ref) : null;
                if (s != null) {
                    shapes.add(s);
                }
            }
        }
        List<ServerSession> asked = t.replica().map(id -> replicas.stream().filter(r -> r.id().equals(id)).toList())
                .orElse(replicas);
        // a replica stopped on the error can meet no fence: it is checked once it runs again
        List<ServerSession> on = new ArrayList<>();
        for (ServerSession r : asked) {
            if (lagOf(r).isPresent()) {
                on.add(r);
            }
        }
        state = "triggered";
        boolean decided = on.size() == asked.size();
        if (on.isEmpty()) {
            shapes.clear(); // nothing to compare with now; decided only when no replica was asked for at all
        }
        for (TableShape shape : shapes) {
            ChunkSql sql = new ChunkSql(shape, config.hash());
            ChunkSizer sizer = sizers.computeIfAbsent(shape.table(), x -> new ChunkSizer(config.chunkTime(),
                    config.initialChunkRows(), config.minChunkRows(), config.maxChunkRows()));
            Optional<List<String>> lower = Optional.empty();
            do {
                Next next = next(sql, shape, lower, sizer.rows());
                KeyRange range = next.range();
                decided &= checkRange(shape, sql, range, on, sizer, DivergenceFinding.TRIGGERED, t.alertname(),
                        next.sum(), false, false, null).decided;
                lower = range.upper();
            } while (lower.isPresent() && !stopped);
        }
        // what this check compared is its to report: a pass's held-back finding there is let go
        java.util.Set<String> checked = new java.util.HashSet<>();
        on.forEach(r -> checked.add(r.id()));
        held.removeIf(h -> checked.contains(h.replica()) && (t.tables().isEmpty() || t.tables().contains(h.shape().table())));
        // a replica stopped on the error cannot meet a fence: check again once it runs
        if (!decided && t.attempt() < TRIGGER_ATTEMPTS) {
            triggers.add(new Trigger(t.tables(), t.replica(), t.alertname(), t.attempt() + 1,
                    Instant.now().plus(config.pauseFor().multipliedBy(Math.min(12, t.attempt() + 1)))));
        }
        state = pass.isEmpty() ? "idle" : "scanning";
    }

    /**
     * Reads the replica's applier now and says whether it stopped or started within
     * {@code applier-change-hold}: a change since the last reading is dated now. The first reading
     * of a replica has nothing to be told from and counts as no change; one that fails (the account
     * may not see the applier's thread) too, as the hold is only to let an alert's check come first.
     */
    private boolean applierJustChanged(ServerSession replica) {
        if (config.applierChangeHold().isZero()) {
            return false;
        }
        String threads;
        try {
            threads = replica.applierThreads();
        } catch (SQLException e) {
            LOG.debugf("Applier of %s not readable: %s", replica.id(), e.getMessage());
            return false;
        }
        Instant now = Instant.now();
        Applier was = appliers.get(replica.id());
        if (was == null) {
            appliers.put(replica.id(), new Applier(threads, Instant.EPOCH));
            return false;
        }
        if (!was.threads().equals(threads)) {
            was = new Applier(threads, now);
            appliers.put(replica.id(), was);
        }
        return now.isBefore(was.changedAt().plus(config.applierChangeHold()));
    }

    /**
     * Holds a new finding of the pass back until the replica's applier has been steady for
     * {@code applier-change-hold}: an alert about that applier (stopped on a duplicate key or a
     * missing row, then skipped past) may still be on its way to ask for a check of the table, and
     * that check, not the pass, is what found the rows. Nothing is lost: the range is compared
     * again when the hold is over.
     */
    private void hold(String replica, TableShape shape, KeyRange range) {
        Applier a = appliers.get(replica);
        Instant until = a.changedAt().plus(config.applierChangeHold());
        boolean again = held.removeIf(h -> h.replica().equals(replica) && h.shape().table().equals(shape.table())
                && h.range().equals(range));
        held.add(new Held(replica, shape, range, until));
        if (again) {
            return; // a later pass found it again meanwhile: said once
        }
        LOG.infof("Difference in %s on %s held back until %s: its applier just stopped or started", shape.table(),
                replica, until);
    }

    /**
     * Compares again each held-back range whose hold is over, unless a check an alert asked for will
     * cover it; one on a replica not replicating now waits until it does (no fence could be met).
     */
    private void recheckHeld(Instant now) throws SQLException, InterruptedException {
        for (Held h : List.copyOf(held)) {
            if (now.isBefore(h.until())) {
                continue;
            }
            held.remove(h);
            if (awaitingTrigger(h.replica(), h.shape().table())) {
                continue;
            }
            Optional<ServerSession> replica = replicas.stream().filter(r -> r.id().equals(h.replica())).findFirst();
            if (replica.isEmpty()) {
                continue; // the session is gone (an error closed it): the next pass compares the range again
            }
            if (lagOf(replica.get()).isEmpty()) {
                held.add(new Held(h.replica(), h.shape(), h.range(), now.plus(config.pauseFor())));
                continue;
            }
            try {
                checkRange(h.shape(), new ChunkSql(h.shape(), config.hash()), h.range(), List.of(replica.get()), null,
                        DivergenceFinding.SCHEDULED, null);
            } catch (SQLException e) {
                if (!isNoSuchTable(e)) {
                    throw e;
                }
                // dropped (or renamed) meanwhile: nothing left to compare
            }
        }
    }

    /** True while a queued trigger will check this table (or every table) on this replica. */
    private boolean awaitingTrigger(String replica, TableRef table) {
        for (Trigger t : triggers) {
            if (t.replica().map(replica::equals).orElse(true) && (t.tables().isEmpty() || t.tables().contains(table))) {
                return true;
            }
        }
        return false;
    }

    /** Replicas to compare now; null (after a pause) while the source is busy or a replica lags. */
    private List<ServerSession> readyReplicas() throws SQLException {
        long running = source.threadsRunning();
        if (running > config.maxThreadsRunning()) {
            pause("threads_running", "source Threads_running " + running);
            return null;
        }
        List<ServerSession> ready = new ArrayList<>();
        for (ServerSession r : replicas) {
            // read with the thresholds, so that a change is dated about when it happened, not when a finding asks
            applierJustChanged(r);
            OptionalLong lag = lagOf(r);
            if (lag.isEmpty()) {
                continue;
            }
            if (lag.getAsLong() > config.maxReplicaLag().toSeconds()) {
                pause("replica_lag", r.id() + " lags " + lag.getAsLong() + " s");
                return null;
            }
            ready.add(r);
        }
        return ready;
    }

    private OptionalLong lagOf(ServerSession r) throws SQLException {
        return r.replicaLagSeconds();
    }

    private void pause(String reason, String detail) {
        state = "paused: " + detail;
        metrics.pause(cluster, reason);
        long t0 = PassClock.start();
        sleep(config.pauseFor());
        clock.stop(PassClock.Phase.paused, t0);
    }

    private void throttle(long rows) {
        if (config.rowsPerSecond() > 0 && rows > 0) {
            sleep(Duration.ofMillis(rows * 1000 / config.rowsPerSecond()));
        }
    }

    private void connect() throws SQLException {
        if (source != null) {
            return; // a failed statement closes the sessions, so open ones are trusted
        }
        closeSessions();
        Duration timeout = config.queryTimeout();
        List<ServerSession> sessions = new ArrayList<>();
        long t0 = PassClock.start();
        try {
            for (WatchedInstance w : instances) {
                sessions.add(ServerSession.open(w, jdbcOptions, connectTimeout, timeout));
            }
        } catch (SQLException e) {
            sessions.forEach(ServerSession::close);
            throw e;
        } finally {
            clock.stop(PassClock.Phase.connect, t0);
        }
        ServerSession primary = sessions.stream().filter(s -> s.instance().expectedRole().orElse("").equals("primary"))
                .findFirst().orElse(null);
        if (primary == null) {
            for (ServerSession s : sessions) {
                if (s.replicaLagSeconds().isEmpty() && !hasChannels(s)) {
                    primary = s;
                    break;
                }
            }
        }
        if (primary == null) {
            sessions.forEach(ServerSession::close);
            throw new IllegalStateException("no source found among " + instances);
        }
        source = primary;
        for (ServerSession s : sessions) {
            if (s != primary) {
                replicas.add(s);
                applierJustChanged(s); // the first reading is what a later restart is told from
            }
        }
    }

    private static boolean hasChannels(ServerSession s) throws SQLException {
        return !s.rows(s.mariadb() ? "SHOW ALL REPLICAS STATUS" : "SHOW REPLICA STATUS").isEmpty();
    }

    private void closeSessions() {
        if (source != null) {
            source.close();
        }
        replicas.forEach(ServerSession::close);
        replicas.clear();
        // their rounds were bound to the sessions just closed; like a chunk cut short by the error, they
        // are compared again in the next pass
        pending.clear();
        source = null;
        readyChecked = null;
    }

    private void publishReport() {
        heldCount = held.size();
        List<ScanReport.SkippedTable> skipped = tables.skipped().entrySet().stream()
                .map(e -> new ScanReport.SkippedTable(e.getKey().toString(), e.getValue()))
                .sorted(java.util.Comparator.comparing(ScanReport.SkippedTable::table)).toList();
        List<ScanReport.OpenRange> diverged = open.values().stream()
                .map(o -> new ScanReport.OpenRange(o.replica(), o.shape().table().toString(), o.rangeId(),
                        o.finding().differingRows(), o.finding().foundBy())).toList();
        report = new ScanReport(cluster, source == null ? null : source.id(),
                replicas.stream().map(ServerSession::id).toList(),
                tables.checked().stream().map(s -> s.table().toString()).toList(), skipped, diverged, rowsChecked,
                passes, lastPassFinishedAt, state, lastError);
    }

    /** ER_NO_SUCH_TABLE (1146), on both flavors. */
    private static boolean isNoSuchTable(SQLException e) {
        return e.getErrorCode() == 1146;
    }

    private static String key(String replica, String rangeId) {
        return replica + "|" + rangeId;
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(Math.max(1, d.toMillis()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
