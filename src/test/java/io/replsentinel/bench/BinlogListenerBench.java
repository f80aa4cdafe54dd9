package io.replsentinel.bench;

import io.replsentinel.binlog.ListenerHarness;

import io.replsentinel.event.BinlogListenerState;
import io.replsentinel.event.GtidEvent;
import io.replsentinel.lab.DbServer;
import io.replsentinel.lab.Topology;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static org.awaitility.Awaitility.await;

/**
 * What binlog listeners cost, on a real MySQL 9.7 source: heap, resident memory and threads for
 * 1, 10 and 50 listeners in this JVM; the single-row transactions per second one listener reads
 * when it catches up on a backlog; and the delay from a transaction's COMMIT returning to the
 * listener handing its GtidEvent to the publisher (the Kafka hop is not in it). Not a test: run with
 * {@code ./mvnw -B test -Pbench -Dtest=BinlogListenerBench}; writes {@code target/bench/binlog-listeners.txt}.
 */
@Tag("bench")
class BinlogListenerBench {

    private static final int BACKLOG = 20_000;
    private static final int LATENCY_SAMPLES = 300;

    @Test
    void listenerCost() throws Exception {
        StringBuilder out = new StringBuilder();
        // each listener holds two connections (its binlog dump and Debezium's JDBC one): 50 need more than the lab's 60
        try (Topology t = Topology.builder(io.replsentinel.lab.Flavor.MYSQL).replicas(0).option("max_connections=300").build()) {
            DbServer source = t.source();
            source.exec(Topology.binlogGrantStatements(t.flavor(), Topology.MONITOR_USER, "lab").toArray(String[]::new));
            if (!Boolean.getBoolean("bench.catchUpOnly")) {
                out.append(footprint(source, 1)).append(footprint(source, 10)).append(footprint(source, 50));
            }
            out.append(catchUp(t));
            out.append(latency(t));
        }
        System.out.println(out);
        Files.createDirectories(Path.of("target/bench"));
        Files.writeString(Path.of("target/bench/binlog-listeners.txt"), out.toString());
    }

    private static String footprint(DbServer source, int n) {
        gc();
        long heap0 = heapUsed();
        long rss0 = rssKb();
        int threads0 = ManagementFactory.getThreadMXBean().getThreadCount();
        try (ListenerHarness h = new ListenerHarness()) {
            for (int i = 0; i < n; i++) {
                // a cluster name each: its own offsets, schema history and metrics name, as separate instances have
                h.listen(new io.replsentinel.inventory.WatchedInstance("bench-" + n + "-" + i, source.host(), source.port(),
                        Topology.MONITOR_USER, new io.replsentinel.inventory.Secret(Topology.MONITOR_PASSWORD),
                        java.util.Optional.empty(), Map.of(), false));
            }
            await().atMost(Duration.ofMinutes(5)).until(() -> h.states.stream()
                    .filter(s -> s.state().equals(BinlogListenerState.RUNNING)).map(BinlogListenerState::serverId).distinct().count() >= n);
            gc();
            long heap = heapUsed() - heap0;
            long rss = rssKb() - rss0;
            int threads = ManagementFactory.getThreadMXBean().getThreadCount() - threads0;
            return String.format("%d listener(s): heap +%.1f MiB (%.2f MiB each), RSS +%.1f MiB (%.2f MiB each), threads +%d (%.1f each)%n",
                    n, heap / 1048576.0, heap / 1048576.0 / n, rss / 1024.0, rss / 1024.0 / n, threads, threads / (double) n);
        }
    }

    /**
     * The engine settings of the previous version, put back over the current ones: measured beside
     * them on the same backlog, alternating, so both see the same machine.
     */
    private static final Map<String, String> PREVIOUS_ENGINE = Map.of();

    /** TLS on the binlog connection: {@code -Dbench.sslMode=disabled} measures what a trusted network gets. */
    private static final String SSL_MODE = System.getProperty("bench.sslMode", "preferred");
    /** How many times each engine setting catches up (alternating): {@code -Dbench.rounds}. */
    private static final int ROUNDS = Integer.getInteger("bench.rounds", 2);

    /**
     * One listener, stopped; a backlog of single-row transactions; the listener restarted on a copy of
     * its offsets for each catch-up, alternating the previous engine settings and the current ones.
     */
    private static String catchUp(Topology t) throws Exception {
        Path dir = Files.createTempDirectory("binlog-bench");
        try (ListenerHarness first = new ListenerHarness(dir)) {
            first.listen(t.source());
            await().atMost(Duration.ofMinutes(1)).until(() -> first.latestState(t.source())
                    .map(s -> s.state().equals(BinlogListenerState.RUNNING)).orElse(false));
            t.insert(1);
            await().atMost(Duration.ofMinutes(1)).until(() -> !first.events.isEmpty());
        }
        String gtidsBefore = t.source().scalar("SELECT @@gtid_executed").replace("\n", "");
        writeSingleRowTransactions(t.source(), 1_000_000, BACKLOG);
        StringBuilder out = new StringBuilder("catch-up with database.ssl.mode=" + SSL_MODE + String.format("%n"));
        for (int round = 1; round <= ROUNDS; round++) {
            boolean last = round == ROUNDS;
            if (!PREVIOUS_ENGINE.isEmpty()) {
                out.append("round ").append(round).append(", previous engine settings ").append(PREVIOUS_ENGINE).append(": ")
                        .append(catchUpOnce(t, copyOf(dir), withSsl(PREVIOUS_ENGINE), false));
            }
            out.append("round ").append(round).append(", current engine settings: ")
                    .append(catchUpOnce(t, copyOf(dir), withSsl(Map.of()), last && Boolean.getBoolean("bench.jfr")));
        }
        // after the listeners, so the client's classes are as warm for it as for them
        out.append("bare binlog client, the floor without Debezium: ").append(bareClient(t.source(), gtidsBefore));
        return out.toString();
    }

    private static Map<String, String> withSsl(Map<String, String> engine) {
        Map<String, String> m = new java.util.HashMap<>(engine);
        m.put("database.ssl.mode", SSL_MODE);
        return m;
    }

    /**
     * The same backlog read by Debezium's own binlog client (mysql-binlog-connector-java) without
     * Debezium: each transaction's rows hashed with SHA-256 at its XID, nothing else. What a listener
     * on the bare client would start from.
     */
    private static String bareClient(DbServer source, String gtidsBefore) throws Exception {
        var client = new com.github.shyiko.mysql.binlog.BinaryLogClient(source.host(), source.port(),
                Topology.MONITOR_USER, Topology.MONITOR_PASSWORD);
        client.setServerId(4200009999L);
        client.setGtidSet(gtidsBefore);
        client.setKeepAlive(false);
        client.setSSLMode("disabled".equals(SSL_MODE) ? com.github.shyiko.mysql.binlog.network.SSLMode.DISABLED
                : com.github.shyiko.mysql.binlog.network.SSLMode.PREFERRED);
        java.util.concurrent.atomic.AtomicInteger commits = new java.util.concurrent.atomic.AtomicInteger();
        java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
        client.registerEventListener(event -> {
            var type = event.getHeader().getEventType();
            if (event.getData() instanceof com.github.shyiko.mysql.binlog.event.WriteRowsEventData w) {
                for (java.io.Serializable[] row : w.getRows()) {
                    for (java.io.Serializable v : row) {
                        sha.update(String.valueOf(v instanceof byte[] b ? new String(b, java.nio.charset.StandardCharsets.UTF_8) : v)
                                .getBytes(java.nio.charset.StandardCharsets.UTF_8));
                    }
                }
            } else if (type == com.github.shyiko.mysql.binlog.event.EventType.XID) {
                sha.digest();
                commits.incrementAndGet();
            }
        });
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long cpu0 = os.getProcessCpuTime();
        long start = System.nanoTime();
        client.connect(10_000);
        try {
            await().atMost(Duration.ofMinutes(10)).pollInterval(Duration.ofMillis(50)).until(() -> commits.get() >= BACKLOG);
        } finally {
            client.disconnect();
        }
        double secs = (System.nanoTime() - start) / 1e9;
        double cpuSecs = (os.getProcessCpuTime() - cpu0) / 1e9;
        return String.format("%d transactions in %.2f s (%.0f tx/s); process CPU %.2f s, %.0f us per transaction (%.0f tx per CPU-second)%n",
                BACKLOG, secs, BACKLOG / secs, cpuSecs, cpuSecs * 1e6 / BACKLOG, BACKLOG / cpuSecs);
    }

    /** A fresh copy of the stopped listener's offsets and schema history: every catch-up reads the same backlog. */
    private static Path copyOf(Path dir) throws java.io.IOException {
        Path copy = Files.createTempDirectory("binlog-bench-copy");
        try (var files = Files.walk(dir)) {
            for (Path f : files.toList()) {
                Path to = copy.resolve(dir.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(f, to, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        return copy;
    }

    private static String catchUpOnce(Topology t, Path dir, Map<String, String> engine, boolean profile) throws Exception {
        try (ListenerHarness second = new ListenerHarness(dir, 64L << 20, engine);
             jdk.jfr.Recording jfr = new jdk.jfr.Recording(jdk.jfr.Configuration.getConfiguration("profile"))) {
            // the harness's list copies itself on every add: counted here instead, so the CPU is the listener's
            second.collect = false;
            java.util.concurrent.atomic.AtomicInteger seen = new java.util.concurrent.atomic.AtomicInteger();
            GtidEvent[] ends = new GtidEvent[2];
            second.onEvent = e -> {
                int n = seen.incrementAndGet();
                if (n == 1) {
                    ends[0] = e;
                } else if (n == BACKLOG) {
                    ends[1] = e;
                }
            };
            // where the catch-up's time goes: -Dbench.jfr=true keeps a JFR recording of it in target/bench
            if (profile) {
                // every 2 ms rather than the profile's 10 ms: a catch-up of a few seconds needs the samples
                jfr.enable("jdk.ExecutionSample").withPeriod(Duration.ofMillis(2)).withStackTrace();
                jfr.start();
            }
            Map<String, long[]> threadCpu0 = threadCpu();
            long gc0 = gcMillis();
            long alloc0 = allocatedBytes();
            com.sun.management.OperatingSystemMXBean os =
                    (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
            long cpu0 = os.getProcessCpuTime();
            long start = System.nanoTime();
            second.listen(t.source());
            await().atMost(Duration.ofMinutes(10)).pollInterval(Duration.ofMillis(50)).until(() -> seen.get() >= BACKLOG);
            double secs = (System.nanoTime() - start) / 1e9;
            // CPU, unlike wall time, hardly depends on what else the machine runs: the figure to compare
            double cpuSecs = (os.getProcessCpuTime() - cpu0) / 1e9;
            String byThread = cpuByThread(threadCpu0, cpuSecs) + String.format("; GC %d ms; %.1f KiB allocated per transaction",
                    gcMillis() - gc0, (allocatedBytes() - alloc0) / 1024.0 / BACKLOG);
            if (profile) {
                jfr.stop();
                Files.createDirectories(Path.of("target/bench"));
                jfr.dump(Path.of("target/bench/binlog-catch-up.jfr"));
            }
            double streaming = Duration.between(ends[0].seenAt(), ends[1].seenAt()).toNanos() / 1e9;
            return String.format("%d single-row transactions in %.2f s from engine start (%.0f tx/s), "
                    + "%.2f s first to last event (%.0f tx/s while streaming); process CPU %.2f s, %.0f us per transaction"
                    + " (%.0f tx per CPU-second)%n    CPU by thread: %s%n", BACKLOG, secs, BACKLOG / secs, streaming,
                    (BACKLOG - 1) / streaming, cpuSecs, cpuSecs * 1e6 / BACKLOG, BACKLOG / cpuSecs, byThread);
        }
    }

    /** CPU ticks of every thread of this process, Java's and the JVM's own (JIT compilers, GC), by thread id. */
    private static Map<String, long[]> threadCpu() {
        Map<String, long[]> cpu = new java.util.HashMap<>();
        try (var tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path task : tasks.toList()) {
                try {
                    String stat = Files.readString(task.resolve("stat"));
                    // pid (comm) state ...: utime and stime are fields 14 and 15, counted after the comm's ')'
                    int close = stat.lastIndexOf(')');
                    String[] f = stat.substring(close + 2).split(" ");
                    long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
                    cpu.put(task.getFileName() + " " + stat.substring(stat.indexOf('(') + 1, close), new long[] {ticks});
                } catch (java.io.IOException | RuntimeException ended) {
                    // the thread ended while being read
                }
            }
        } catch (java.io.IOException notLinux) {
            // no per-thread split
        }
        return cpu;
    }

    /**
     * The catch-up's CPU per thread (names without their numbers), in microseconds per
     * transaction, from /proc (10 ms ticks); what no thread still alive accounts for is threads
     * that ended during the run.
     */
    private static String cpuByThread(Map<String, long[]> before, double processSecs) {
        double tickUs = 10_000.0;
        Map<String, Long> byName = new java.util.HashMap<>();
        long total = 0;
        for (Map.Entry<String, long[]> e : threadCpu().entrySet()) {
            long d = e.getValue()[0] - before.getOrDefault(e.getKey(), new long[] {0})[0];
            if (d <= 0) {
                continue;
            }
            String name = e.getKey().substring(e.getKey().indexOf(' ') + 1).replaceAll("[0-9]+", "N");
            byName.merge(name, d, Long::sum);
            total += d;
        }
        StringBuilder b = new StringBuilder();
        byName.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .filter(e -> e.getValue() * tickUs / BACKLOG >= 0.5)
                .forEach(e -> b.append(String.format("%s %.1f us; ", e.getKey(), e.getValue() * tickUs / BACKLOG)));
        // the JIT compiles Debezium's code path for the first tens of thousands of events: a listener
        // that runs for hours pays it once, so the steady cost is the process CPU without it
        long jit = byName.getOrDefault("CN CompilerThre", 0L);
        double steady = (processSecs * 1e6 - jit * tickUs) / BACKLOG;
        return b.append(String.format("ended threads %.1f us%n    without the JIT compiler threads: %.0f us per transaction (%.0f tx per CPU-second)",
                Math.max(0, processSecs * 1e6 - total * tickUs) / BACKLOG, steady, 1e6 / steady)).toString();
    }

    private static String latency(Topology t) throws Exception {
        try (ListenerHarness h = new ListenerHarness()) {
            Map<String, Long> seenNanos = new ConcurrentHashMap<>();
            h.onEvent = e -> seenNanos.put(e.gtid(), System.nanoTime());
            h.listen(t.source());
            await().atMost(Duration.ofMinutes(1)).until(() -> h.latestState(t.source())
                    .map(s -> s.state().equals(BinlogListenerState.RUNNING)).orElse(false));
            String uuid = t.source().scalar("SELECT @@server_uuid");
            List<Long> committed = new ArrayList<>();
            List<String> gtids = new ArrayList<>();
            try (Connection c = t.source().rootConnection(); Statement st = c.createStatement()) {
                for (int i = 0; i < LATENCY_SAMPLES; i++) {
                    st.execute("INSERT INTO lab.t VALUES (" + (2_000_000 + i) + ", 'x')");
                    committed.add(System.nanoTime());
                    try (var rs = st.executeQuery("SELECT @@gtid_executed")) {
                        rs.next();
                        String set = rs.getString(1).replace("\n", "");
                        String range = Arrays.stream(set.split(",")).filter(p -> p.startsWith(uuid)).findFirst().orElseThrow();
                        gtids.add(uuid + ":" + range.substring(range.lastIndexOf('-') + 1));
                    }
                    Thread.sleep(20);
                }
            }
            await().atMost(Duration.ofMinutes(1)).until(() -> gtids.stream().allMatch(seenNanos::containsKey));
            double[] ms = new double[LATENCY_SAMPLES];
            for (int i = 0; i < LATENCY_SAMPLES; i++) {
                ms[i] = (seenNanos.get(gtids.get(i)) - committed.get(i)) / 1e6;
            }
            Arrays.sort(ms);
            return String.format("commit to GtidEvent (in process, before Kafka): median %.1f ms, p99 %.1f ms, max %.1f ms over %d"
                    + " transactions 20 ms apart%n", ms[ms.length / 2], ms[(int) Math.ceil(ms.length * 0.99) - 1], ms[ms.length - 1],
                    LATENCY_SAMPLES);
        }
    }

    private static void writeSingleRowTransactions(DbServer source, int firstId, int n) throws Exception {
        try (Connection c = source.rootConnection(); Statement st = c.createStatement()) {
            for (int i = 0; i < n; i++) {
                st.execute("INSERT INTO lab.t VALUES (" + (firstId + i) + ", 'v')");
            }
        }
    }

    /** Bytes allocated by the live Java threads so far (a thread that ended takes its count with it). */
    private static long allocatedBytes() {
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long sum = 0;
        for (long b : mx.getThreadAllocatedBytes(mx.getAllThreadIds())) {
            sum += Math.max(0, b);
        }
        return sum;
    }

    private static long gcMillis() {
        return ManagementFactory.getGarbageCollectorMXBeans().stream().mapToLong(g -> Math.max(0, g.getCollectionTime())).sum();
    }

    private static void gc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
    }

    private static long heapUsed() {
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static long rssKb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (java.io.IOException ignored) {
            // not Linux: RSS reads as unchanged
        }
        return 0;
    }
}
