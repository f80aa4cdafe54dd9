package io.replsentinel.lab;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.stream.Collectors;

/**
 * A source and N replicas of one flavor, wired with GTID auto-positioning, a replication user, the
 * least-privilege monitoring user from {@code scripts/lab/grants-*.sql} and a schema
 * {@code lab.t (id INT PRIMARY KEY, v VARCHAR(64))}. Server ids: source 1, replicas 2..N+1.
 */
public final class Topology implements AutoCloseable {

    public static final String MONITOR_USER = "sentinel";
    public static final String MONITOR_PASSWORD = "sentinel-pw";
    public static final String REPL_USER = "repl";
    public static final String REPL_PASSWORD = "repl-pw";

    private final Flavor flavor;
    private final DbServer source;
    private final List<DbServer> replicas;

    private Topology(Flavor flavor, DbServer source, List<DbServer> replicas) {
        this.flavor = flavor;
        this.source = source;
        this.replicas = List.copyOf(replicas);
    }

    public static Topology mysql(int replicas) {
        return builder(Flavor.MYSQL).replicas(replicas).build();
    }

    public static Topology mariadb(int replicas) {
        return builder(Flavor.MARIADB).replicas(replicas).build();
    }

    public static Builder builder(Flavor flavor) {
        return new Builder(flavor);
    }

    public static final class Builder {
        private final Flavor flavor;
        private int replicas = 2;
        private final List<String> allOptions = new ArrayList<>();
        private final Map<Integer, List<String>> nodeOptions = new java.util.HashMap<>();
        private final Map<Integer, Long> serverIds = new java.util.HashMap<>();
        private final Map<Integer, MariaDbRelease> releases = new java.util.HashMap<>();

        private Builder(Flavor flavor) {
            this.flavor = flavor;
        }

        public Builder replicas(int n) {
            this.replicas = n;
            return this;
        }

        /** Option for every node, e.g. {@code gtid_strict_mode=OFF}. */
        public Builder option(String option) {
            allOptions.add(option);
            return this;
        }

        /** Option for one node: 0 is the source, 1..N the replicas. */
        public Builder option(int node, String option) {
            nodeOptions.computeIfAbsent(node, k -> new ArrayList<>()).add(option);
            return this;
        }

        /** Overrides a node's server_id (default: node index + 1), e.g. to reproduce a server_id clash. */
        public Builder serverId(int node, long serverId) {
            serverIds.put(node, serverId);
            return this;
        }

        /** MariaDB release of one node (default 10.11): 0 is the source, 1..N the replicas. */
        public Builder release(int node, MariaDbRelease release) {
            releases.put(node, release);
            return this;
        }

        public Topology build() {
            // Servers initialise and start independently: do it concurrently.
            List<CompletableFuture<DbServer>> futures = new ArrayList<>();
            for (int i = 0; i <= replicas; i++) {
                DbServer.Builder b = DbServer.builder(flavor)
                        .serverId(serverIds.getOrDefault(i, (long) i + 1))
                        .release(releases.getOrDefault(i, MariaDbRelease.V10_11))
                        .options(allOptions)
                        .options(nodeOptions.getOrDefault(i, List.of()));
                futures.add(CompletableFuture.supplyAsync(b::start));
            }
            List<DbServer> started = new ArrayList<>();
            RuntimeException failure = null;
            for (CompletableFuture<DbServer> f : futures) {
                try {
                    started.add(f.join());
                } catch (CompletionException e) {
                    failure = failure == null ? new IllegalStateException("topology start failed", e.getCause()) : failure;
                }
            }
            if (failure != null) {
                started.forEach(DbServer::close);
                throw failure;
            }
            Topology t = new Topology(flavor, started.get(0), started.subList(1, started.size()));
            try {
                t.wire();
            } catch (RuntimeException e) {
                t.close();
                throw e;
            }
            return t;
        }
    }

    private void wire() {
        if (flavor == Flavor.MYSQL) {
            source.exec("CREATE USER '" + REPL_USER + "'@'%' IDENTIFIED WITH caching_sha2_password BY '" + REPL_PASSWORD + "'",
                    "GRANT REPLICATION SLAVE ON *.* TO '" + REPL_USER + "'@'%'");
        } else {
            source.exec("CREATE USER '" + REPL_USER + "'@'%' IDENTIFIED BY '" + REPL_PASSWORD + "'",
                    "GRANT REPLICATION SLAVE ON *.* TO '" + REPL_USER + "'@'%'");
        }
        source.exec(grantStatements(flavor, MONITOR_USER, MONITOR_PASSWORD).toArray(String[]::new));
        source.exec("CREATE DATABASE lab", "CREATE TABLE lab.t (id INT PRIMARY KEY, v VARCHAR(64))");
        replicas.parallelStream().forEach(r -> {
            pointAt(r, source, REPL_USER, REPL_PASSWORD);
            r.exec(flavor == Flavor.MYSQL ? "START REPLICA" : "START SLAVE");
            r.exec(flavor == Flavor.MYSQL ? "SET GLOBAL super_read_only = ON" : "SET GLOBAL read_only = ON");
        });
        awaitReplicasCaughtUp(Duration.ofSeconds(60));
    }

    /** The statements of the flavor's grants file with user and password filled in. */
    public static List<String> grantStatements(Flavor flavor, String user, String password) {
        return statements(LabInstall.get().grantsFile(flavor), Map.entry("${USER}", user), Map.entry("${PASSWORD}", password));
    }

    /**
     * The remediation executor's account, exactly as {@code scripts/lab/grants-remediation-*.sql} (and the
     * README) state it, with user and password filled in: run on the source, it replicates everywhere.
     */
    public static List<String> remediationGrantStatements(Flavor flavor, String user, String password) {
        return statements(LabInstall.get().remediationGrantsFile(flavor), Map.entry("${USER}", user), Map.entry("${PASSWORD}", password));
    }

    /** The binlog listener's grants ({@code scripts/lab/grants-binlog-*.sql}) for {@code user} on {@code schema}. */
    public static List<String> binlogGrantStatements(Flavor flavor, String user, String schema) {
        return statements(LabInstall.get().binlogGrantsFile(flavor), Map.entry("${USER}", user), Map.entry("${SCHEMA}", schema));
    }

    /**
     * The statements of a grants file: {@code --} comment lines dropped, each placeholder replaced
     * by its value in order, split at {@code ;}. The files stay the one statement of the grants, which the
     * README quotes and operators run.
     */
    @SafeVarargs
    private static List<String> statements(Path file, Map.Entry<String, String>... values) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        String body = Arrays.stream(text.split("\n"))
                .filter(l -> !l.trim().startsWith("--"))
                .collect(Collectors.joining("\n"));
        for (Map.Entry<String, String> v : values) {
            body = body.replace(v.getKey(), v.getValue());
        }
        return Arrays.stream(body.split(";")).map(String::trim).filter(x -> !x.isEmpty()).collect(Collectors.toList());
    }

    private void pointAt(DbServer replica, DbServer src, String user, String password) {
        pointAt(replica, src.host(), src.port(), user, password);
    }

    private void pointAt(DbServer replica, String host, int port, String user, String password) {
        if (flavor == Flavor.MYSQL) {
            replica.exec("CHANGE REPLICATION SOURCE TO SOURCE_HOST='" + host + "', SOURCE_PORT=" + port
                    + ", SOURCE_USER='" + user + "', SOURCE_PASSWORD='" + password + "', SOURCE_AUTO_POSITION=1"
                    + ", GET_SOURCE_PUBLIC_KEY=1, SOURCE_CONNECT_RETRY=2, SOURCE_HEARTBEAT_PERIOD=1");
        } else {
            replica.exec("CHANGE MASTER TO MASTER_HOST='" + host + "', MASTER_PORT=" + port
                    + ", MASTER_USER='" + user + "', MASTER_PASSWORD='" + password + "'"
                    + ", MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=2, MASTER_HEARTBEAT_PERIOD=1");
        }
    }

    public Flavor flavor() {
        return flavor;
    }

    public DbServer source() {
        return source;
    }

    public List<DbServer> replicas() {
        return replicas;
    }

    public List<DbServer> all() {
        List<DbServer> all = new ArrayList<>();
        all.add(source);
        all.addAll(replicas);
        return all;
    }

    /** Waits until every running replica has applied everything the source has executed. */
    public void awaitReplicasCaughtUp(Duration timeout) {
        String target = source.gtidPosition();
        long deadline = System.nanoTime() + timeout.toNanos();
        for (DbServer r : replicas) {
            long secs = Math.max(1, (deadline - System.nanoTime()) / 1_000_000_000L);
            String sql = flavor == Flavor.MYSQL
                    ? "SELECT WAIT_FOR_EXECUTED_GTID_SET('" + target + "', " + secs + ")"
                    : "SELECT MASTER_GTID_WAIT('" + target + "', " + secs + ")";
            String result = r.scalar(sql);
            if (!"0".equals(result)) {
                throw new IllegalStateException(r + " did not catch up with " + target + " within " + timeout
                        + " (result " + result + "): " + r.replicaStatus());
            }
        }
    }

    public void startReplication(DbServer replica) {
        replica.exec(flavor == Flavor.MYSQL ? "START REPLICA" : "START SLAVE");
    }

    public void stopReplication(DbServer replica) {
        replica.exec(flavor == Flavor.MYSQL ? "STOP REPLICA" : "STOP SLAVE");
    }

    /** Re-points {@code replica} at {@code newSource} with these credentials, keeping GTID auto-position, and starts it. */
    public void changeSource(DbServer replica, DbServer newSource, String user, String password) {
        stopReplication(replica);
        pointAt(replica, newSource, user, password);
        startReplication(replica);
    }

    /**
     * Re-points {@code replica} at any {@code host:port} (a name that does not resolve, another
     * cluster's server) with the lab's replication credentials, keeping GTID auto-position, and
     * starts it. {@link #changeSource(DbServer, DbServer, String, String)} back at the source repairs it.
     */
    public void changeSource(DbServer replica, String host, int port) {
        stopReplication(replica);
        pointAt(replica, host, port, REPL_USER, REPL_PASSWORD);
        startReplication(replica);
    }

    /** Points {@code replica} back at this topology's source with the right credentials and starts it. */
    public void repointAtSource(DbServer replica) {
        changeSource(replica, source, REPL_USER, REPL_PASSWORD);
    }

    /** Inserts rows {@code id, "v<id>"} on the source. */
    public void insert(int... ids) {
        String[] sql = Arrays.stream(ids).mapToObj(id -> "INSERT INTO lab.t VALUES (" + id + ", 'v" + id + "')")
                .toArray(String[]::new);
        source.exec(sql);
    }

    /** Stops replicas first (a MySQL source with connected replicas takes ~11 s on SIGTERM), then the source. */
    @Override
    public void close() {
        replicas.parallelStream().forEach(DbServer::close);
        source.close();
    }

    @Override
    public String toString() {
        return flavor + " source " + source + " replicas " + replicas;
    }
}
