package io.replsentinel.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.replsentinel.lab.DbServer;
import io.replsentinel.lab.Flavor;
import io.replsentinel.lab.Topology;
import io.replsentinel.poll.PollHarness;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The service's own CPU per poll, against real servers: a MariaDB 10.11 and a MySQL 9.7 source with
 * one replica each (heartbeat on, so sources write the beat and replicas read it), each polled
 * back to back on one thread by the poller at the shipped settings, its status serialised to JSON
 * as the publisher does. Reports the polling thread's CPU time per poll (ThreadMXBean: the driver,
 * TLS, parsing, the status and its JSON; not the Kafka producer's thread, not GC) and the
 * statements each poll costs the server (the server's {@code Questions} counter per poll).
 *
 * <p>With {@code -Dbench.baseline.classes=dir[:dir]} (another build's {@code target/classes} and its
 * {@code PollHarness} compiled against it) the two builds run side by side in one JVM, in
 * alternating blocks, so that a loaded machine slows both alike: read the ratio. Not a test:
 * {@code ./mvnw -B test -Pbench -Dtest=PollCpuBench}; writes {@code target/bench/poll-cpu.txt}.
 */
@Tag("bench")
class PollCpuBench {

    private static final long WARMUP_SECONDS = Long.getLong("bench.warmup.seconds", 20);
    private static final long BLOCK_SECONDS = Long.getLong("bench.block.seconds", 5);
    private static final int BLOCKS = Integer.getInteger("bench.blocks", 6);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    /** One build's pollers of the four servers, and what they cost so far. */
    private static final class Variant {
        final String name;
        final Map<String, Supplier<String>> pollers = new LinkedHashMap<>();
        final Map<String, long[]> cost = new LinkedHashMap<>(); // polls, cpu ns, questions
        final Map<String, String> lastJson = new LinkedHashMap<>();

        Variant(String name) {
            this.name = name;
        }
    }

    @Test
    void cpuPerPollAgainstRealServers() throws Exception {
        CompletableFuture<Topology> mariadbStart = CompletableFuture.supplyAsync(() -> Topology.mariadb(1));
        CompletableFuture<Topology> mysqlStart = CompletableFuture.supplyAsync(() -> Topology.mysql(1));
        try (Topology mariadb = mariadbStart.join(); Topology mysql = mysqlStart.join()) {
            for (Topology t : List.of(mariadb, mysql)) {
                // the heartbeat's grant beyond the read-only ones (README), so that it beats and is read
                t.source().exec("GRANT CREATE, INSERT, UPDATE, SELECT ON repl_sentinel.* TO '" + Topology.MONITOR_USER + "'@'%'");
            }
            Map<String, DbServer> servers = new LinkedHashMap<>();
            servers.put("mariadb source", mariadb.source());
            servers.put("mariadb replica", mariadb.replicas().get(0));
            servers.put("mysql source", mysql.source());
            servers.put("mysql replica", mysql.replicas().get(0));

            List<Variant> variants = new ArrayList<>();
            variants.add(variant("this build", PollCpuBench.class.getClassLoader(), servers));
            String baseline = System.getProperty("bench.baseline.classes");
            if (Boolean.getBoolean("bench.tls.compare")) {
                // this build against itself with TLS off: what TLS costs a poll (the MySQL servers offer it)
                variants.add(variant("TLS off", PollCpuBench.class.getClassLoader(), servers, false));
            } else if (baseline != null && !baseline.isBlank()) {
                variants.add(variant("baseline", childFirst(baseline), servers));
            }
            try {
                for (Variant v : variants) {
                    run(v, servers, WARMUP_SECONDS, false);
                }
                for (int b = 0; b < BLOCKS; b++) {
                    // A B B A ...: neither build always runs first
                    for (int i = 0; i < variants.size(); i++) {
                        run(variants.get(b % 2 == 0 ? i : variants.size() - 1 - i), servers, BLOCK_SECONDS, true);
                    }
                }
                String report = report(variants);
                System.out.println(report);
                Path out = Path.of("target/bench/poll-cpu.txt");
                Files.createDirectories(out.getParent());
                Files.writeString(out, report);
                for (Variant v : variants) {
                    v.lastJson.forEach((server, json) ->
                            assertThat(json).as("%s %s", v.name, server).contains("\"reachable\":true"));
                }
                if (variants.size() == 2) {
                    for (String server : servers.keySet()) {
                        assertThat(stable(variants.get(0).lastJson.get(server)))
                                .as("the status of %s, this build against %s", server, variants.get(1).name)
                                .isEqualTo(stable(variants.get(1).lastJson.get(server)));
                    }
                }
            } finally {
                for (Variant v : variants) {
                    for (Supplier<String> p : v.pollers.values()) {
                        ((AutoCloseable) p).close();
                    }
                }
            }
        }
    }

    private static Variant variant(String name, ClassLoader loader, Map<String, DbServer> servers) throws Exception {
        return variant(name, loader, servers, true);
    }

    /** {@code tls} false: the monitoring connections without TLS ({@code bench.tls.compare}; this build only). */
    @SuppressWarnings("unchecked")
    private static Variant variant(String name, ClassLoader loader, Map<String, DbServer> servers, boolean tls) throws Exception {
        Class<?> harness = Class.forName(PollHarness.class.getName(), true, loader);
        var of = tls ? harness.getMethod("of", String.class, String.class, int.class, String.class, String.class, boolean.class)
                : harness.getMethod("of", String.class, String.class, int.class, String.class, String.class, boolean.class,
                boolean.class, boolean.class);
        Variant v = new Variant(name);
        servers.forEach((label, s) -> {
            try {
                Object[] args = tls
                        ? new Object[] {label.replace(' ', '-'), s.host(), s.port(), Topology.MONITOR_USER,
                                Topology.MONITOR_PASSWORD, label.endsWith("source")}
                        : new Object[] {label.replace(' ', '-'), s.host(), s.port(), Topology.MONITOR_USER,
                                Topology.MONITOR_PASSWORD, label.endsWith("source"), true, false};
                v.pollers.put(label, (Supplier<String>) of.invoke(null, args));
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
            v.cost.put(label, new long[3]);
        });
        return v;
    }

    /** Polls each server in turn for {@code seconds}; counts polls, the thread's CPU and the servers' statements. */
    private static void run(Variant v, Map<String, DbServer> servers, long seconds, boolean count) {
        Map<String, Long> questionsBefore = new LinkedHashMap<>();
        servers.forEach((label, s) -> questionsBefore.put(label, questions(s)));
        Map<String, long[]> block = new LinkedHashMap<>();
        servers.keySet().forEach(k -> block.put(k, new long[2]));
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        while (System.nanoTime() < end) {
            for (Map.Entry<String, Supplier<String>> e : v.pollers.entrySet()) {
                long cpu = THREADS.getCurrentThreadCpuTime();
                String json = e.getValue().get();
                long spent = THREADS.getCurrentThreadCpuTime() - cpu;
                long[] b = block.get(e.getKey());
                b[0]++;
                b[1] += spent;
                v.lastJson.put(e.getKey(), json);
            }
        }
        if (!count) {
            return;
        }
        servers.forEach((label, s) -> {
            long[] c = v.cost.get(label);
            long[] b = block.get(label);
            c[0] += b[0];
            c[1] += b[1];
            // the counter read itself is one more statement
            c[2] += questions(s) - questionsBefore.get(label) - 1;
        });
    }

    private static long questions(DbServer s) {
        String sql = s.flavor() == Flavor.MYSQL
                ? "SELECT VARIABLE_VALUE FROM performance_schema.global_status WHERE VARIABLE_NAME = 'Questions'"
                : "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'QUESTIONS'";
        return Long.parseLong(s.scalar(sql));
    }

    private static String report(List<Variant> variants) {
        StringBuilder r = new StringBuilder(String.format(Locale.ROOT,
                "service CPU per poll (polling thread's CPU time / polls) and statements per poll (server's Questions / polls);"
                        + " %d blocks of %d s per build after %d s warm-up, builds alternating%n",
                BLOCKS, BLOCK_SECONDS, WARMUP_SECONDS));
        r.append(String.format(Locale.ROOT, "%-16s", "server"));
        for (Variant v : variants) {
            r.append(String.format(Locale.ROOT, " | %-12s %8s %8s %6s", v.name, "polls", "us/poll", "stmts"));
        }
        if (variants.size() == 2) {
            r.append(" | cpu ratio");
        }
        r.append('\n');
        long[][] totals = new long[variants.size()][3];
        for (String server : variants.get(0).cost.keySet()) {
            r.append(String.format(Locale.ROOT, "%-16s", server));
            double[] us = new double[variants.size()];
            for (int i = 0; i < variants.size(); i++) {
                long[] c = variants.get(i).cost.get(server);
                us[i] = c[1] / 1000.0 / Math.max(1, c[0]);
                r.append(String.format(Locale.ROOT, " | %-12s %8d %8.0f %6.2f", "", c[0], us[i], (double) c[2] / Math.max(1, c[0])));
                for (int k = 0; k < 3; k++) {
                    totals[i][k] += c[k];
                }
            }
            if (variants.size() == 2) {
                r.append(String.format(Locale.ROOT, " | %.2f", us[0] / us[1]));
            }
            r.append('\n');
        }
        r.append(String.format(Locale.ROOT, "%-16s", "all four"));
        double[] us = new double[variants.size()];
        for (int i = 0; i < variants.size(); i++) {
            long[] t = totals[i];
            us[i] = t[1] / 1000.0 / Math.max(1, t[0]);
            r.append(String.format(Locale.ROOT, " | %-12s %8d %8.0f %6.2f", "", t[0], us[i], (double) t[2] / Math.max(1, t[0])));
        }
        if (variants.size() == 2) {
            r.append(String.format(Locale.ROOT, " | %.2f", us[0] / us[1]));
        }
        r.append('\n');
        return r.toString();
    }

    /** A status's JSON without what changes from one poll to the next (times, counters, positions, lag). */
    static JsonNode stable(String json) throws Exception {
        JsonNode node = JSON.readTree(json);
        strip(node);
        return node;
    }

    private static void strip(JsonNode node) {
        if (node instanceof ObjectNode o) {
            List<String> names = new ArrayList<>();
            o.fieldNames().forEachRemaining(names::add);
            for (String n : names) {
                String l = n.toLowerCase(Locale.ROOT);
                if (l.contains("gtid") || n.endsWith("At") || l.equals("sequence") || l.equals("poller")) {
                    o.remove(n);
                } else if (l.contains("millis") || l.contains("behind")) {
                    o.put(n, o.get(n) != null && !o.get(n).isNull()); // whether it is known, not its value
                }
            }
        }
        node.forEach(PollCpuBench::strip);
    }

    /** Loads this project's classes from {@code path} first, everything else (JDK, libraries) from the test class path. */
    private static ClassLoader childFirst(String path) throws Exception {
        URL[] urls = Arrays.stream(path.split(":")).map(p -> {
            try {
                return Path.of(p).toUri().toURL();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }).toArray(URL[]::new);
        ClassLoader parent = PollCpuBench.class.getClassLoader();
        return new URLClassLoader(urls, parent) {
            @Override
            protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
                if (!name.startsWith("io.replsentinel.")) {
                    return super.loadClass(name, resolve);
                }
                synchronized (getClassLoadingLock(name)) {
                    Class<?> c = findLoadedClass(name);
                    if (c == null) {
                        try {
                            c = findClass(name);
                        } catch (ClassNotFoundException e) {
                            c = super.loadClass(name, false);
                        }
                    }
                    if (resolve) {
                        resolveClass(c);
                    }
                    return c;
                }
            }
        };
    }
}
