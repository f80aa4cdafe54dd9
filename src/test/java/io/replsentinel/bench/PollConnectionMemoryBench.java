package io.replsentinel.bench;

import io.replsentinel.lab.DbServer;
import io.replsentinel.lab.Flavor;
import io.replsentinel.lab.Topology;
import io.replsentinel.poll.Dialect;
import io.replsentinel.poll.PollHarness;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import javax.management.ObjectName;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Heap each kept monitoring connection holds, not a timing: {@code bench.connections.small} (200)
 * and then {@code bench.connections.large} (1,200) connections are opened against real servers (a
 * MariaDB 10.11 and a MySQL 9.7 source and replica, listening on 0.0.0.0, one loopback address per
 * connection, as in the fleet benchmark), each polled a few times, and the live heap after a full
 * collection is read at both sizes (the JVM's class histogram, {@code GC.class_histogram}); the
 * difference over the connections between them cancels what does not grow with the fleet, and the
 * histogram's difference names the classes that do.
 *
 * <p>Measured: the poller as this build ships it (heartbeat off, the default), and the same
 * statements run on bare Connector/J connections with result-set metadata cached or not and the
 * statements kept prepared or prepared on every poll, beside a login that runs nothing, so each
 * part's cost is seen apart. The first run in the JVM is a warm-up: it also counts caches that
 * fill once (read the poller's figure from its second run, at the end). Prints and writes {@code target/bench/poll-connection-memory.txt}.
 * Not a test: {@code ./mvnw -B test -Pbench -Dtest=PollConnectionMemoryBench} (about 3 minutes).
 */
@Tag("bench")
class PollConnectionMemoryBench {

    private static final int SMALL = Integer.getInteger("bench.connections.small", 200);
    private static final int LARGE = Integer.getInteger("bench.connections.large", 1200);
    private static final int POLLS = 3;
    private static final int TOP = Integer.getInteger("bench.histogram.top", 12);

    /** One kept connection of a variant: polled, then closed when the variant is done. */
    private interface Kept extends AutoCloseable {
        void poll() throws Exception;
    }

    private interface Opener {
        Kept open(DbServer server, String address) throws Exception;
    }

    @Test
    void heapPerKeptMonitoringConnection() throws Exception {
        int perServer = (LARGE + 3) / 4;
        String maxConnections = "max_connections=" + (perServer + 100);
        List<Topology> topologies = FleetResource.startAll(List.of(
                () -> Topology.builder(Flavor.MARIADB).replicas(1).option("bind-address=0.0.0.0")
                        .option(maxConnections.replace('_', '-')).option("thread-handling=pool-of-threads").build(),
                () -> Topology.builder(Flavor.MYSQL).replicas(1).option("bind_address=0.0.0.0").option(maxConnections).build()));
        try {
            List<DbServer> servers = new ArrayList<>();
            topologies.forEach(t -> servers.addAll(t.all()));
            Map<String, Opener> variants = new LinkedHashMap<>();
            // the first run in a JVM also fills caches that do not grow with the connections after it
            variants.put("warm-up: poller (this build), first run", (s, address) -> poller(s, address));
            variants.put("login only", (s, address) -> jdbc(s, address, false, false, false));
            variants.put("jdbc, metadata cached, statements kept", (s, address) -> jdbc(s, address, true, true, true));
            variants.put("jdbc, metadata cached, statements not kept", (s, address) -> jdbc(s, address, true, false, true));
            variants.put("jdbc, no metadata cache, statements kept", (s, address) -> jdbc(s, address, false, true, true));
            variants.put("jdbc, no metadata cache, statements not kept", (s, address) -> jdbc(s, address, false, false, true));
            variants.put("poller (this build)", (s, address) -> poller(s, address));
            String only = System.getProperty("bench.variants", "");
            StringBuilder out = new StringBuilder(String.format(Locale.ROOT,
                    "heap per kept monitoring connection: (live heap at %d - at %d connections) / %d, after a full GC;"
                            + " %d polls each; 4 real servers (MariaDB 10.11, MySQL 9.7, source and replica)%n",
                    LARGE, SMALL, LARGE - SMALL, POLLS));
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                int block = 30;
                for (Map.Entry<String, Opener> v : variants.entrySet()) {
                    if (!only.isBlank() && !v.getKey().contains(only)) {
                        continue;
                    }
                    // addresses of its own for each variant: nothing cached by address (a TLS session) carries over
                    out.append(measure(v.getKey(), v.getValue(), servers, pool, block));
                    block += servers.size();
                    System.out.println(out);
                }
            } finally {
                pool.shutdownNow();
            }
            Path file = Path.of("target/bench/poll-connection-memory.txt");
            Files.createDirectories(file.getParent());
            Files.writeString(file, out.toString());
        } finally {
            topologies.forEach(Topology::close);
        }
    }

    private static String measure(String name, Opener opener, List<DbServer> servers, ExecutorService pool, int block)
            throws Exception {
        List<Kept> kept = Collections.synchronizedList(new ArrayList<>());
        try {
            open(opener, servers, pool, block, 0, SMALL, kept);
            Map<String, long[]> small = histogram();
            open(opener, servers, pool, block, SMALL, LARGE, kept);
            Map<String, long[]> large = histogram();
            assertThat(kept).hasSize(LARGE);
            int n = LARGE - SMALL;
            double perConnection = (double) (total(large) - total(small)) / n;
            StringBuilder r = new StringBuilder(String.format(Locale.ROOT, "%n%-46s %,8.0f bytes per connection%n", name, perConnection));
            List<Map.Entry<String, long[]>> delta = new ArrayList<>();
            large.forEach((cls, l) -> {
                long[] s = small.getOrDefault(cls, new long[2]);
                delta.add(Map.entry(cls, new long[] {l[0] - s[0], l[1] - s[1]}));
            });
            delta.sort((a, b) -> Long.compare(b.getValue()[1], a.getValue()[1]));
            for (Map.Entry<String, long[]> d : delta.subList(0, Math.min(TOP, delta.size()))) {
                r.append(String.format(Locale.ROOT, "    %,8.0f bytes %6.1f objects  %s%n",
                        (double) d.getValue()[1] / n, (double) d.getValue()[0] / n, d.getKey()));
            }
            return r.toString();
        } finally {
            for (Kept k : kept) {
                try {
                    k.close();
                } catch (Exception ignored) {
                    // the variant is measured; a connection that fails to close is dropped with it
                }
            }
        }
    }

    /** Opens connections {@code from} to {@code to}, each on its own loopback address, and polls each {@link #POLLS} times. */
    private static void open(Opener opener, List<DbServer> servers, ExecutorService pool, int block, int from, int to,
                             List<Kept> into) throws Exception {
        List<Future<?>> futures = new ArrayList<>();
        for (int i = from; i < to; i++) {
            int s = i % servers.size();
            String address = FleetResource.address(block + s, i / servers.size());
            futures.add(pool.submit(() -> {
                Kept k = opener.open(servers.get(s), address);
                into.add(k);
                for (int p = 0; p < POLLS; p++) {
                    k.poll();
                }
                return null;
            }));
        }
        for (Future<?> f : futures) {
            f.get();
        }
    }

    private static Kept poller(DbServer s, String address) {
        boolean source = s.serverId() == 1;
        PollHarness harness = PollHarness.of("mem-" + address, address, s.port(), Topology.MONITOR_USER,
                Topology.MONITOR_PASSWORD, source, false);
        return new Kept() {
            @Override
            public void poll() {
                assertThat(harness.get()).contains("\"reachable\":true");
            }

            @Override
            public void close() {
                harness.close();
            }
        };
    }

    /** The poll's statements on a bare connection with the shipped properties but the metadata cache as given. */
    private static Kept jdbc(DbServer s, String address, boolean metadataCache, boolean keepStatements, boolean poll)
            throws SQLException {
        Properties p = PollHarness.connectionProperties(Topology.MONITOR_USER, Topology.MONITOR_PASSWORD);
        p.setProperty("cacheResultSetMetadata", Boolean.toString(metadataCache));
        Connection c = DriverManager.getConnection(PollHarness.url(address, s.port()), p);
        try (Statement st = c.createStatement()) {
            st.execute("SET SESSION time_zone = '+00:00'");
            try (ResultSet rs = st.executeQuery("SELECT @@version AS version, @@version_comment AS comment, CURRENT_USER() AS account")) {
                rs.next();
            }
        }
        Dialect d = s.flavor() == Flavor.MYSQL ? Dialect.MYSQL : Dialect.MARIADB;
        List<String> sqls = List.of(d.variablesSql(true), d.replicaStatusSql(), d.replicaHostsSql());
        Map<String, PreparedStatement> statements = new HashMap<>();
        return new Kept() {
            @Override
            public void poll() throws SQLException {
                if (!poll) {
                    return;
                }
                for (String sql : sqls) {
                    PreparedStatement ps = statements.get(sql);
                    if (ps == null) {
                        ps = c.prepareStatement(sql);
                        if (keepStatements) {
                            statements.put(sql, ps);
                        }
                    }
                    try (ResultSet rs = ps.executeQuery()) {
                        int n = rs.getMetaData().getColumnCount();
                        while (rs.next()) {
                            for (int col = 1; col <= n; col++) {
                                rs.getString(col);
                            }
                        }
                    }
                    if (!keepStatements) {
                        ps.close();
                    }
                }
            }

            @Override
            public void close() throws SQLException {
                c.close();
            }
        };
    }

    /** Live objects by class after a full collection: instances and bytes. */
    private static Map<String, long[]> histogram() throws Exception {
        String text = (String) ManagementFactory.getPlatformMBeanServer().invoke(
                new ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
                new Object[] {new String[0]}, new String[] {String[].class.getName()});
        Map<String, long[]> byClass = new HashMap<>();
        for (String line : text.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 4 && f[0].endsWith(":")) {
                byClass.merge(f[3], new long[] {Long.parseLong(f[1]), Long.parseLong(f[2])},
                        (a, b) -> new long[] {a[0] + b[0], a[1] + b[1]});
            }
        }
        return byClass;
    }

    private static long total(Map<String, long[]> histogram) {
        return histogram.values().stream().mapToLong(v -> v[1]).sum();
    }
}
