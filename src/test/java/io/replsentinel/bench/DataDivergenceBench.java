package io.replsentinel.bench;

import io.replsentinel.divergence.DivergenceConfig;
import io.replsentinel.divergence.OnePass;
import io.replsentinel.event.DivergenceFinding;
import io.replsentinel.inventory.Secret;
import io.replsentinel.inventory.WatchedInstance;
import io.replsentinel.lab.DbServer;
import io.replsentinel.lab.Faults;
import io.replsentinel.lab.Flavor;
import io.replsentinel.lab.Topology;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * The data checker side by side with pt-table-checksum (Debian's percona-toolkit, installed by this
 * bench when missing) on the same real MariaDB 10.11 source and replica of its own: one table of
 * 1,000,000 rows, one row changed on the replica outside the binary log per run. For each tool: time
 * to find the difference, rows checked per second, the source server's CPU during the run (from
 * {@code /proc/PID/stat}), and whether it found the row (pt-table-checksum names a chunk; the
 * checker names the row). pt-table-checksum writes its {@code percona.checksums} table on this
 * bench's own source only. Not a test: {@code ./mvnw -B test -Pbench -Dtest=DataDivergenceBench};
 * writes {@code target/bench/data-divergence.txt}.
 */
@Tag("bench")
class DataDivergenceBench {

    private static final int RUNS = Integer.getInteger("bench.runs", 3);
    private static final int ROWS = Integer.getInteger("bench.rows", 1_000_000);
    private static final long CLOCK_TICKS = 100; // USER_HZ on Linux x86-64

    /** One tool's run. */
    record Run(String tool, long millis, double rowsPerSecond, double sourceCpuSeconds, boolean foundRow, boolean foundChunk) {
    }

    @Test
    void oneChangedRowInAMillion_checkerVersusPtTableChecksum() throws Exception {
        String pt = ensurePtTableChecksum();
        try (Topology t = Topology.builder(Flavor.MARIADB).replicas(1).option("innodb-buffer-pool-size=512M").build()) {
            DbServer source = t.source();
            DbServer replica = t.replicas().get(0);
            load(t);
            source.exec("GRANT SELECT ON bench.* TO '" + Topology.MONITOR_USER + "'@'%'",
                    "CREATE DATABASE percona",
                    "CREATE TABLE percona.dsns (id INT AUTO_INCREMENT PRIMARY KEY, parent_id INT, dsn VARCHAR(255) NOT NULL)",
                    "INSERT INTO percona.dsns (dsn) VALUES ('h=127.0.0.1,P=" + replica.port() + ",u=root')");
            t.awaitReplicasCaughtUp(Duration.ofMinutes(5));
            List<Run> runs = new ArrayList<>();
            Faults faults = new Faults(t);
            for (int run = 0; run < RUNS; run++) {
                int id = ThreadLocalRandom.current().nextInt(1, ROWS + 1);
                faults.execUnlogged(replica, "UPDATE bench.t SET b = 'changed on the replica' WHERE id = " + id);
                // alternate which tool goes first, so neither always finds the pages warm
                if (run % 2 == 0) {
                    runs.add(ours(t, id));
                    runs.add(ptTableChecksum(pt, t, id));
                } else {
                    runs.add(ptTableChecksum(pt, t, id));
                    runs.add(ours(t, id));
                }
                faults.execUnlogged(replica, "UPDATE bench.t SET b = CONCAT('row-', id) WHERE id = " + id);
            }
            report(runs);
        }
    }

    private static void load(Topology t) {
        t.source().exec("CREATE DATABASE bench",
                "CREATE TABLE bench.t (id INT PRIMARY KEY, a INT NOT NULL, b VARCHAR(64), c DATETIME, d DECIMAL(12,2) NULL)",
                "INSERT INTO bench.t WITH RECURSIVE d(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM d WHERE n < 9),"
                        + " seq(n) AS (SELECT a.n + 10 * b.n + 100 * c.n + 1000 * e.n + 10000 * f.n + 100000 * g.n + 1"
                        + " FROM d a, d b, d c, d e, d f, d g)"
                        + " SELECT n, n * 7, CONCAT('row-', n), '2026-01-01' + INTERVAL n SECOND, IF(n % 10 = 0, NULL, n / 100)"
                        + " FROM seq WHERE n <= " + ROWS);
        t.awaitReplicasCaughtUp(Duration.ofMinutes(10));
        // warm both buffer pools once, so the first tool measured does not pay for the cold read alone
        for (DbServer s : t.all()) {
            s.scalar("SELECT SUM(CRC32(b)) FROM bench.t");
        }
    }

    private static Run ours(Topology t, int id) throws Exception {
        List<WatchedInstance> instances = List.of(
                instance(t.source(), "primary"), instance(t.replicas().get(0), "replica"));
        DivergenceConfig config = OnePass.config(Map.of("sentinel.divergence.include-schemas", "bench",
                "sentinel.divergence.report-key-values", "true"));
        long cpu0 = cpuTicks(t.source().pid());
        OnePass.Result r = OnePass.run("bench", instances, config,
                f -> f.differingKeys().stream().anyMatch(k -> k.key().equals(List.of(Integer.toString(id)))),
                Duration.ofMinutes(10));
        System.out.printf(Locale.ROOT, "repl-sentinel pass: %d ms, %,d rows; %s%n", r.millisToPassEnd(), r.rowsChecked(),
                r.phaseSummary());
        double cpu = (cpuTicks(t.source().pid()) - cpu0) / (double) CLOCK_TICKS;
        boolean named = r.findings().stream().flatMap(f -> f.differingKeys().stream())
                .anyMatch(k -> k.key().equals(List.of(Integer.toString(id))) && k.kind().equals("changed"));
        boolean chunk = r.findings().stream().anyMatch(f -> DivergenceFinding.DIVERGED.equals(f.state()));
        return new Run("repl-sentinel", r.millisToFinding() < 0 ? r.millisToPassEnd() : r.millisToFinding(),
                r.rowsChecked() * 1000.0 / Math.max(1, r.millisToPassEnd()), cpu, named, chunk);
    }

    private static Run ptTableChecksum(String pt, Topology t, int id) throws Exception {
        DbServer source = t.source();
        List<String> cmd = List.of(pt, "h=127.0.0.1,P=" + source.port() + ",u=root",
                "--databases=bench", "--tables=t", "--no-check-binlog-format",
                "--recursion-method=dsn=h=127.0.0.1,P=" + source.port() + ",u=root,D=percona,t=dsns",
                "--chunk-time=0.5", "--no-version-check");
        long cpu0 = cpuTicks(source.pid());
        long start = System.nanoTime();
        Path log = Files.createTempFile("pt-table-checksum", ".log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(20, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IllegalStateException("pt-table-checksum did not finish: " + Files.readString(log));
        }
        long millis = (System.nanoTime() - start) / 1_000_000;
        double cpu = (cpuTicks(source.pid()) - cpu0) / (double) CLOCK_TICKS;
        String out = Files.readString(log, StandardCharsets.UTF_8);
        Files.deleteIfExists(log);
        System.out.println(out);
        t.awaitReplicasCaughtUp(Duration.ofMinutes(2));
        // the chunk pt-table-checksum flags on the replica, and whether the changed row is inside it
        List<Map<String, Object>> diffs = t.replicas().get(0).query("SELECT lower_boundary, upper_boundary FROM percona.checksums"
                + " WHERE db = 'bench' AND tbl = 't' AND (this_cnt <> master_cnt OR this_crc <> master_crc"
                + " OR ISNULL(master_crc) <> ISNULL(this_crc))");
        boolean chunk = diffs.stream().anyMatch(d -> contains(d, id));
        return new Run("pt-table-checksum", millis, ROWS * 1000.0 / Math.max(1, millis), cpu, false, chunk);
    }

    private static boolean contains(Map<String, Object> chunk, int id) {
        Object lo = chunk.get("lower_boundary");
        Object hi = chunk.get("upper_boundary");
        long lower = lo == null ? Long.MIN_VALUE : Long.parseLong(lo.toString());
        long upper = hi == null ? Long.MAX_VALUE : Long.parseLong(hi.toString());
        return id >= lower && id <= upper;
    }

    private static WatchedInstance instance(DbServer s, String role) {
        return new WatchedInstance("bench", s.host(), s.port(), Topology.MONITOR_USER, new Secret(Topology.MONITOR_PASSWORD),
                Optional.of(role), Map.of(), false);
    }

    /** utime + stime of a process, in clock ticks ({@code /proc/PID/stat} fields 14 and 15). */
    static long cpuTicks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    /** pt-table-checksum from Debian's percona-toolkit, installed when missing (root or password-less sudo). */
    private static String ensurePtTableChecksum() throws Exception {
        Path pt = Path.of("/usr/bin/pt-table-checksum");
        if (!Files.isExecutable(pt)) {
            List<String> apt = new ArrayList<>();
            if (!"root".equals(System.getProperty("user.name"))) {
                apt.add("sudo");
                apt.add("-n");
            }
            apt.addAll(List.of("apt-get", "install", "-y", "-q", "percona-toolkit"));
            Process p = new ProcessBuilder(apt).inheritIO().start();
            if (p.waitFor() != 0 || !Files.isExecutable(pt)) {
                throw new IllegalStateException("could not install percona-toolkit (apt-get exit " + p.exitValue() + ")");
            }
        }
        return pt.toString();
    }

    private static void report(List<Run> runs) throws IOException {
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT,
                "data divergence: one changed row in %,d rows, MariaDB 10.11 source + replica, %d runs per tool%n", ROWS, RUNS));
        for (String tool : List.of("repl-sentinel", "pt-table-checksum")) {
            List<Run> mine = runs.stream().filter(r -> r.tool().equals(tool)).toList();
            out.append(String.format(Locale.ROOT, "%-18s time to find %s | rows/s %s | source CPU s %s | row named %d/%d | chunk found %d/%d%n",
                    tool, stats(mine, r -> r.millis() / 1000.0, "%.1f s"), stats(mine, Run::rowsPerSecond, "%,.0f"),
                    stats(mine, Run::sourceCpuSeconds, "%.2f"), mine.stream().filter(Run::foundRow).count(), mine.size(),
                    mine.stream().filter(Run::foundChunk).count(), mine.size()));
        }
        runs.forEach(r -> out.append("  ").append(r).append('\n'));
        System.out.println(out);
        Path file = Path.of("target/bench/data-divergence.txt");
        Files.createDirectories(file.getParent());
        Files.writeString(file, out.toString());
    }

    /** median (min-max) */
    private static String stats(List<Run> runs, ToDoubleFunction<Run> f, String format) {
        double[] v = runs.stream().mapToDouble(f).sorted().toArray();
        return String.format(Locale.ROOT, format + " (" + format + "-" + format + ")", v[v.length / 2], v[0], v[v.length - 1]);
    }
}
