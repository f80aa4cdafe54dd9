package io.replsentinel.lab;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * Injects real replication faults into a {@link Topology} and repairs them. Every injection waits
 * until the servers themselves report the fault and returns what they reported.
 */
public final class Faults {

    /** What a replica reported once the fault (or the repair) was visible, and how long that took. */
    public record Observation(DbServer server, Map<String, Object> status, Duration took, List<String> statesSeen) {
        public Object get(String column) {
            return status.get(column);
        }
    }

    private final Topology topology;
    private final Flavor flavor;

    public Faults(Topology topology) {
        this.topology = topology;
        this.flavor = topology.flavor();
    }

    public static String ioRunning(Flavor f) {
        return f == Flavor.MYSQL ? "Replica_IO_Running" : "Slave_IO_Running";
    }

    public static String sqlRunning(Flavor f) {
        return f == Flavor.MYSQL ? "Replica_SQL_Running" : "Slave_SQL_Running";
    }

    private String io() {
        return ioRunning(flavor);
    }

    private String sql() {
        return sqlRunning(flavor);
    }

    private static long num(Map<String, Object> status, String column) {
        Object v = status.get(column);
        return v == null ? -1 : Long.parseLong(v.toString());
    }

    /** Polls {@code SHOW REPLICA STATUS} until {@code done} holds; records each distinct (IO, SQL, IO errno, SQL errno). */
    public Observation await(DbServer replica, Duration timeout, String what, Predicate<Map<String, Object>> done) {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        Set<String> seen = new LinkedHashSet<>();
        Map<String, Object> status = Map.of();
        while (true) {
            try {
                status = replica.replicaStatus();
                seen.add(brief(status));
                if (done.test(status)) {
                    return new Observation(replica, status, Duration.ofNanos(System.nanoTime() - start), new ArrayList<>(seen));
                }
            } catch (IllegalStateException e) {
                seen.add("query failed: " + e.getMessage());
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(replica + ": " + what + " not seen within " + timeout + "; states " + seen
                        + "; last " + status);
            }
            DbServer.sleep(200);
        }
    }

    private String brief(Map<String, Object> s) {
        return "IO=" + s.get(io()) + "/" + s.get("Last_IO_Errno") + " SQL=" + s.get(sql()) + "/" + s.get("Last_SQL_Errno");
    }

    /** Waits until IO and SQL threads run with no error. */
    public Observation awaitHealthy(DbServer replica, Duration timeout) {
        return await(replica, timeout, "IO=Yes SQL=Yes", s -> "Yes".equals(s.get(io())) && "Yes".equals(s.get(sql()))
                && num(s, "Last_IO_Errno") == 0 && num(s, "Last_SQL_Errno") == 0);
    }

    /**
     * Runs statements on the replica outside the binary log ({@code sql_log_bin=0}). On MySQL the global
     * {@code super_read_only} is lifted just for the duration (root bypasses plain {@code read_only});
     * on MariaDB root holds READ_ONLY ADMIN and needs nothing lifted.
     */
    public void execUnlogged(DbServer replica, String... statements) {
        try (Connection c = replica.rootConnection(); Statement st = c.createStatement()) {
            boolean lifted = false;
            if (flavor == Flavor.MYSQL && "1".equals(replica.scalar("SELECT @@GLOBAL.super_read_only"))) {
                st.execute("SET GLOBAL super_read_only = OFF");
                lifted = true;
            }
            try {
                st.execute("SET SESSION sql_log_bin = 0");
                for (String s : statements) {
                    st.execute(s);
                }
            } finally {
                if (lifted) {
                    st.execute("SET GLOBAL super_read_only = ON");
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException(replica + ": " + e.getErrorCode() + " " + e.getMessage(), e);
        }
    }

    // ------------------------------------------------------------------ (a) duplicate key on a replica

    /** Row {@code id} exists on the replica only; the source then inserts the same key: the applier stops with 1062. */
    public Observation duplicateKeyOnReplica(DbServer replica, int id) {
        execUnlogged(replica, "INSERT INTO lab.t VALUES (" + id + ", 'replica-only')");
        topology.insert(id);
        return await(replica, Duration.ofSeconds(30), "SQL thread stopped with 1062",
                s -> "No".equals(s.get(sql())) && num(s, "Last_SQL_Errno") == 1062);
    }

    /** Deletes the replica-only row outside the binlog and restarts the SQL thread. */
    public Observation repairDuplicateKey(DbServer replica, int id) {
        execUnlogged(replica, "DELETE FROM lab.t WHERE id = " + id);
        replica.exec(flavor == Flavor.MYSQL ? "START REPLICA SQL_THREAD" : "START SLAVE SQL_THREAD");
        Observation o = awaitHealthy(replica, Duration.ofSeconds(30));
        topology.awaitReplicasCaughtUp(Duration.ofSeconds(30));
        return o;
    }

    // ------------------------------------------------------------------ (b) source down

    /** SIGKILLs the source; returns, per replica, the first status with IO Connecting and errno 2003. */
    public List<Observation> killSource() {
        topology.source().kill();
        return topology.replicas().parallelStream()
                .map(r -> await(r, Duration.ofSeconds(40), "IO Connecting with 2003",
                        s -> "Connecting".equals(s.get(io())) && num(s, "Last_IO_Errno") == 2003))
                .collect(Collectors.toList());
    }

    /** Starts the source again (same port and datadir) and waits until every replica is connected and caught up. */
    public List<Observation> restartSource() {
        topology.source().start();
        List<Observation> obs = topology.replicas().parallelStream()
                .map(r -> awaitHealthy(r, Duration.ofSeconds(40)))
                .collect(Collectors.toList());
        topology.awaitReplicasCaughtUp(Duration.ofSeconds(30));
        return obs;
    }

    // ------------------------------------------------------------------ (c) wrong replication password

    /** Re-points the replica at its source with a wrong password; waits for IO errno 1045. */
    public Observation wrongReplicationPassword(DbServer replica) {
        topology.changeSource(replica, topology.source(), Topology.REPL_USER, "not-the-password");
        return await(replica, Duration.ofSeconds(30), "IO error 1045", s -> num(s, "Last_IO_Errno") == 1045);
    }

    public Observation repairReplicationPassword(DbServer replica) {
        topology.changeSource(replica, topology.source(), Topology.REPL_USER, Topology.REPL_PASSWORD);
        Observation o = awaitHealthy(replica, Duration.ofSeconds(30));
        topology.awaitReplicasCaughtUp(Duration.ofSeconds(30));
        return o;
    }

    // ------------------------------------------------------------------ (d) purged binary logs

    private String currentBinlog(DbServer s) {
        return Objects.toString(s.query(flavor == Flavor.MYSQL ? "SHOW BINARY LOG STATUS" : "SHOW MASTER STATUS")
                .get(0).get("File"));
    }

    /**
     * Stops the replica, writes {@code ids} on the source, rotates and purges every binary log but the
     * current one, starts the replica: MySQL IO=No 13114, MariaDB IO=No 1236.
     */
    public Observation purgeBinlogsNeededBy(DbServer replica, int... ids) {
        topology.stopReplication(replica);
        topology.insert(ids);
        DbServer src = topology.source();
        // Rotate twice and let the running replicas move on, so that no dump thread still holds the
        // file that must go (MariaDB silently keeps a binary log a dump thread is reading).
        src.exec("FLUSH BINARY LOGS");
        awaitOthersCaughtUp(replica);
        src.exec("FLUSH BINARY LOGS");
        awaitOthersCaughtUp(replica);
        String current = currentBinlog(src);
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (true) {
            src.exec("PURGE BINARY LOGS TO '" + current + "'");
            List<Map<String, Object>> logs = src.query("SHOW BINARY LOGS");
            if (logs.size() == 1 && current.equals(logs.get(0).get("Log_name"))) {
                break;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(src + " keeps binary logs " + logs + " after PURGE TO " + current);
            }
            DbServer.sleep(200);
        }
        topology.startReplication(replica);
        long errno = flavor == Flavor.MYSQL ? 13114 : 1236;
        return await(replica, Duration.ofSeconds(30), "IO=No with " + errno,
                s -> "No".equals(s.get(io())) && num(s, "Last_IO_Errno") == errno);
    }

    private void awaitOthersCaughtUp(DbServer stopped) {
        String target = topology.source().gtidPosition();
        for (DbServer r : topology.replicas()) {
            if (r != stopped && r.running()) {
                String sql = flavor == Flavor.MYSQL
                        ? "SELECT WAIT_FOR_EXECUTED_GTID_SET('" + target + "', 30)"
                        : "SELECT MASTER_GTID_WAIT('" + target + "', 30)";
                r.scalar(sql);
            }
        }
        DbServer.sleep(300);
    }

    /**
     * Repairs a replica that needs purged transactions: copies {@code lab.t} from the source outside
     * the binlog, then declares the source's GTID state as applied (MySQL: {@code RESET BINARY LOGS AND
     * GTIDS} + {@code gtid_purged}; MariaDB: {@code gtid_slave_pos}) and restarts replication. Valid as
     * long as {@code lab.t} is the only data the missing transactions touched and the source takes no
     * writes meanwhile.
     */
    public Observation repairPurgedBinlogs(DbServer replica) {
        DbServer src = topology.source();
        topology.stopReplication(replica);
        String position = src.gtidPosition();
        List<Map<String, Object>> rows = src.query("SELECT id, v FROM lab.t ORDER BY id");
        List<String> statements = new ArrayList<>();
        statements.add("DELETE FROM lab.t");
        for (Map<String, Object> row : rows) {
            Object v = row.get("v");
            statements.add("INSERT INTO lab.t VALUES (" + row.get("id") + ", "
                    + (v == null ? "NULL" : "'" + v.toString().replace("'", "''") + "'") + ")");
        }
        if (flavor == Flavor.MYSQL) {
            statements.add("RESET BINARY LOGS AND GTIDS");
            statements.add("SET GLOBAL gtid_purged = '" + position + "'");
        } else {
            statements.add("SET GLOBAL gtid_slave_pos = '" + position + "'");
        }
        execUnlogged(replica, statements.toArray(String[]::new));
        topology.startReplication(replica);
        Observation o = awaitHealthy(replica, Duration.ofSeconds(30));
        topology.awaitReplicasCaughtUp(Duration.ofSeconds(30));
        return o;
    }
}
