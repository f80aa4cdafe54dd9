package io.replsentinel.lab;

import java.io.IOException;
import java.nio.file.Files;
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
    // ------------------------------------------------------------------ shared helpers for topology faults

    /** The server's running {@code @@server_id}. */
    public long serverId(DbServer server) {
        return Long.parseLong(server.scalar("SELECT @@GLOBAL.server_id"));
    }

    /** MySQL's {@code @@server_uuid}. */
    public String serverUuid(DbServer server) {
        return server.scalar("SELECT @@GLOBAL.server_uuid");
    }

    /** Stops and starts every replication channel of the replica. */
    public void restartReplication(DbServer replica) {
        topology.stopReplication(replica);
        topology.startReplication(replica);
    }

    /**
     * Waits until every replica of the topology runs both threads without error and has applied
     * everything the source has: the state each test must leave behind.
     */
    public void awaitAllHealthy() {
        for (DbServer r : topology.replicas()) {
            awaitHealthy(r, Duration.ofSeconds(60));
        }
        topology.awaitReplicasCaughtUp(Duration.ofSeconds(60));
    }

    // ------------------------------------------------------------------ (e) server_id clashes

    /**
     * Gives the replica another server_id at run time and reconnects it: with a sibling replica's id
     * MySQL stays silent (both Yes/Yes, the source shows two dump threads and one SHOW REPLICAS row)
     * while MariaDB replicas knock each other off; with its source's id the IO thread stops (MySQL
     * 13117, MariaDB 1593). {@link #setServerId} with the original id repairs it.
     */
    public void setServerId(DbServer replica, long serverId) {
        topology.stopReplication(replica);
        replica.exec("SET GLOBAL server_id = " + serverId);
        topology.startReplication(replica);
    }

    /** Gives the replica its source's server_id; waits for IO=No with 13117 (MySQL) / 1593 (MariaDB). */
    public Observation serverIdOfItsSource(DbServer replica) {
        setServerId(replica, serverId(topology.source()));
        long errno = flavor == Flavor.MYSQL ? 13117 : 1593;
        return await(replica, Duration.ofSeconds(30), "IO=No with " + errno,
                s -> "No".equals(s.get(io())) && num(s, "Last_IO_Errno") == errno);
    }

    // ------------------------------------------------------------------ (f) server_uuid clash (MySQL)

    private static java.nio.file.Path autoCnf(DbServer server) {
        return server.dir().resolve("data").resolve("auto.cnf");
    }

    /** The server's {@code auto.cnf} (its server_uuid), to restore after {@link #cloneAutoCnf}. */
    public byte[] autoCnfOf(DbServer server) {
        try {
            return Files.readAllBytes(autoCnf(server));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Restarts {@code target} with {@code from}'s {@code auto.cnf}, so that both report one
     * server_uuid ({@link #autoCnfOf} beforehand keeps the original for {@link #restoreAutoCnf}). super_read_only is
     * persisted first ({@code SET PERSIST}) so the restarted replica never comes up writable.
     * The older connection ({@code from}'s) is then refused with 13114 "same server_uuid".
     */
    public void cloneAutoCnf(DbServer from, DbServer target) {
        if (flavor != Flavor.MYSQL) {
            throw new UnsupportedOperationException("MariaDB has no server_uuid");
        }
        try {
            target.exec("SET PERSIST super_read_only = ON");
            target.stop();
            Files.write(autoCnf(target), Files.readAllBytes(autoCnf(from)));
            target.start();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Repairs {@link #cloneAutoCnf}: restarts {@code target} with its own auto.cnf, restarts
     * replication on every replica (the refused one does not retry by itself), forgets the persisted
     * super_read_only and waits until all replicas are healthy.
     */
    public void restoreAutoCnf(DbServer target, byte[] original) {
        try {
            if (target.running()) {
                target.stop();
            }
            Files.write(autoCnf(target), original);
            target.start();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        target.exec("SET GLOBAL super_read_only = ON", "RESET PERSIST IF EXISTS super_read_only");
        for (DbServer r : topology.replicas()) {
            restartReplication(r);
        }
        awaitAllHealthy();
    }

    // ------------------------------------------------------------------ (g) errant transactions

    /**
     * MySQL: commits an empty transaction on the replica under the source's next GTID, then lets the
     * source commit row {@code id} under that GTID: the replica skips it as already executed, silent
     * in every status column. Returns the GTID; waits until the replica caught up.
     */
    public String emptyTransactionUnderTheSourcesNextGtid(DbServer replica, int id) {
        DbServer source = topology.source();
        String uuid = source.scalar("SELECT @@server_uuid");
        long last = 0;
        for (String part : source.scalar("SELECT @@gtid_executed").replace("\n", "").split(",")) {
            if (part.startsWith(uuid)) {
                last = Long.parseLong(part.substring(Math.max(part.lastIndexOf(':'), part.lastIndexOf('-')) + 1));
            }
        }
        String next = uuid + ":" + (last + 1);
        topology.stopReplication(replica);
        replica.exec("SET GLOBAL super_read_only = OFF", "SET gtid_next = '" + next + "'", "BEGIN", "COMMIT",
                "SET gtid_next = 'AUTOMATIC'", "SET GLOBAL super_read_only = ON");
        topology.startReplication(replica);
        topology.insert(id);
        topology.awaitReplicasCaughtUp(Duration.ofSeconds(30));
        return next;
    }

    /**
     * MariaDB: the source commits row {@code skipped} while the replica's applier is stopped, and
     * {@code sql_slave_skip_counter = 1} skips it; then row {@code next} replicates. Returns the
     * skipped GTID; waits until the replica caught up.
     */
    public String skipCounterPastARealTransaction(DbServer replica, int skipped, int next) {
        topology.stopReplication(replica);
        topology.insert(skipped);
        String gtid = topology.source().scalar("SELECT @@gtid_binlog_pos");
        replica.exec("SET GLOBAL sql_slave_skip_counter = 1");
        topology.startReplication(replica);
        topology.insert(next);
        topology.awaitReplicasCaughtUp(Duration.ofSeconds(30));
        return gtid;
    }

    /**
     * Writes row {@code id} on the replica itself WITH binary logging, as a careless operator would.
     * MySQL: super_read_only is lifted for that one statement while read_only stays ON (root
     * bypasses read_only), so the replica never looks writable; returns the errant set as the server
     * computes it, {@code GTID_SUBTRACT(replica, source)}. MariaDB: root holds READ_ONLY ADMIN;
     * returns the replica's {@code gtid_binlog_state} after the write.
     */
    public String errantWrite(DbServer replica, int id) {
        String insert = "INSERT INTO lab.t VALUES (" + id + ", 'errant')";
        if (flavor == Flavor.MYSQL) {
            replica.exec("SET GLOBAL super_read_only = OFF");
            try {
                replica.exec(insert);
            } finally {
                replica.exec("SET GLOBAL super_read_only = ON");
            }
            return errantGtids(replica);
        }
        replica.exec(insert);
        return replica.scalar("SELECT @@GLOBAL.gtid_binlog_state");
    }

    /** MySQL: the replica's transactions its source lacks, as the server computes them ({@code GTID_SUBTRACT}). */
    public String errantGtids(DbServer replica) {
        String sourceSet = topology.source().gtidPosition();
        return replica.scalar("SELECT GTID_SUBTRACT(@@GLOBAL.gtid_executed, '" + sourceSet + "')").replace("\n", "");
    }

    /**
     * MySQL repair of {@link #errantWrite}: the source commits an empty transaction under each errant
     * GTID (so every instance agrees on the history and the other replica gets them too), and the
     * errant row is removed from the replica outside the binary log.
     */
    public void repairErrantMySql(DbServer replica, String errantGtids, int id) {
        List<String> statements = new ArrayList<>();
        for (String gtid : MySqlGtids.each(errantGtids)) {
            statements.add("SET GTID_NEXT = '" + gtid + "'");
            statements.add("BEGIN");
            statements.add("COMMIT");
        }
        statements.add("SET GTID_NEXT = 'AUTOMATIC'");
        topology.source().exec(statements.toArray(String[]::new));
        execUnlogged(replica, "DELETE FROM lab.t WHERE id = " + id);
        awaitAllHealthy();
    }

    /**
     * MariaDB repair of {@link #errantWrite}: with replication stopped, removes the errant row
     * outside the binary log, then rebuilds the replica's binary log state from what it applied from
     * its source ({@code RESET MASTER; SET GLOBAL gtid_binlog_state = gtid_slave_pos}: the replica
     * serves no replica of its own in this lab), restores {@code gtid_strict_mode=ON} and restarts
     * replication. The applier then takes up the source's event that strict mode refused.
     */
    public void repairErrantMariaDb(DbServer replica, int id) {
        topology.stopReplication(replica);
        String slavePos = replica.scalar("SELECT @@GLOBAL.gtid_slave_pos");
        execUnlogged(replica, "DELETE FROM lab.t WHERE id = " + id);
        replica.exec("RESET MASTER", "SET GLOBAL gtid_binlog_state = '" + slavePos + "'",
                "SET GLOBAL gtid_strict_mode = ON");
        topology.startReplication(replica);
        awaitAllHealthy();
    }

    // ------------------------------------------------------------------ (h) writable replica, settings

    /** Makes the replica accept writes: MySQL super_read_only and read_only OFF, MariaDB read_only OFF. */
    public void makeWritable(DbServer replica) {
        replica.exec(flavor == Flavor.MYSQL
                ? new String[] {"SET GLOBAL super_read_only = OFF", "SET GLOBAL read_only = OFF"}
                : new String[] {"SET GLOBAL read_only = OFF"});
    }

    /** Repairs {@link #makeWritable}: MySQL super_read_only ON (which sets read_only), MariaDB read_only ON. */
    public void makeReadOnly(DbServer replica) {
        replica.exec(flavor == Flavor.MYSQL ? "SET GLOBAL super_read_only = ON" : "SET GLOBAL read_only = ON");
    }

    /** {@code SET GLOBAL name = value} on one server; returns the previous value for the repair. */
    public String setGlobal(DbServer server, String name, String value) {
        String previous = server.scalar("SELECT @@GLOBAL." + name);
        server.exec("SET GLOBAL " + name + " = " + value);
        return previous;
    }

    // ------------------------------------------------------------------ (i) delayed replica

    /**
     * Delays the replica's applier by {@code seconds} (MySQL SOURCE_DELAY, MariaDB MASTER_DELAY);
     * {@code 0} repairs it. Replication is stopped around the change, as the servers require.
     */
    public void delayReplica(DbServer replica, int seconds) {
        topology.stopReplication(replica);
        replica.exec(flavor == Flavor.MYSQL ? "CHANGE REPLICATION SOURCE TO SOURCE_DELAY = " + seconds
                : "CHANGE MASTER TO MASTER_DELAY = " + seconds);
        topology.startReplication(replica);
    }

    // ------------------------------------------------------------------ (j) channels removed and added

    /** {@code STOP REPLICA; RESET REPLICA ALL}: the replica replicates from nothing. Repair: {@link Topology#repointAtSource}. */
    public void removeReplication(DbServer replica) {
        topology.stopReplication(replica);
        replica.exec(flavor == Flavor.MYSQL ? "RESET REPLICA ALL" : "RESET SLAVE ALL");
        await(replica, Duration.ofSeconds(10), "no replication channel", Map::isEmpty);
    }

    /**
     * Adds a second channel (MySQL {@code FOR CHANNEL}, MariaDB named connection) {@code name}
     * replicating from {@code host:port} and starts it; the default channel is untouched.
     */
    public void addChannel(DbServer replica, String name, String host, int port) {
        if (flavor == Flavor.MYSQL) {
            replica.exec("CHANGE REPLICATION SOURCE TO SOURCE_HOST='" + host + "', SOURCE_PORT=" + port
                    + ", SOURCE_USER='" + Topology.REPL_USER + "', SOURCE_PASSWORD='" + Topology.REPL_PASSWORD
                    + "', SOURCE_AUTO_POSITION=1, GET_SOURCE_PUBLIC_KEY=1, SOURCE_CONNECT_RETRY=2 FOR CHANNEL '" + name + "'",
                    "START REPLICA FOR CHANNEL '" + name + "'");
        } else {
            replica.exec("CHANGE MASTER '" + name + "' TO MASTER_HOST='" + host + "', MASTER_PORT=" + port
                    + ", MASTER_USER='" + Topology.REPL_USER + "', MASTER_PASSWORD='" + Topology.REPL_PASSWORD
                    + "', MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=2",
                    "START SLAVE '" + name + "'");
        }
    }

    /** Removes channel {@code name} again: stop it and forget it ({@code RESET ... ALL}). */
    public void removeChannel(DbServer replica, String name) {
        if (flavor == Flavor.MYSQL) {
            replica.exec("STOP REPLICA FOR CHANNEL '" + name + "'", "RESET REPLICA ALL FOR CHANNEL '" + name + "'");
        } else {
            replica.exec("STOP SLAVE '" + name + "'", "RESET SLAVE '" + name + "' ALL");
        }
    }

    // ------------------------------------------------------------------ (k) a hung server

    /**
     * SIGSTOP by PID: the server keeps its TCP port open (the kernel completes handshakes) and answers
     * nothing, as a server stuck on I/O or swapping does. {@link #resume} repairs it; a stopped server
     * still dies by {@link DbServer#kill} (SIGKILL) if the test JVM ends first.
     */
    public void hang(DbServer server) {
        signal(server, "STOP");
    }

    /** SIGCONT by PID: the server picks up where it stopped. */
    public void resume(DbServer server) {
        signal(server, "CONT");
    }

    /** Sends {@code signal} ({@code STOP}, {@code CONT}, ...) to the server's process, by PID. */
    public static void signal(DbServer server, String signal) {
        try {
            Process p = new ProcessBuilder("kill", "-" + signal, Long.toString(server.pid())).inheritIO().start();
            if (p.waitFor() != 0) {
                throw new IllegalStateException("kill -" + signal + " " + server.pid() + " failed");
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    // ------------------------------------------------------------------ (l) grants

    /**
     * The monitoring user's grants become mysqld_exporter's documented ones ({@code PROCESS,
     * REPLICATION CLIENT, SELECT ON *.*}, plus {@code SLAVE MONITOR} on MariaDB) on every server,
     * outside the binary log: the README's grants minus the source's replica list ({@code REPLICATION
     * SLAVE} on MySQL, {@code REPLICATION MASTER ADMIN} on MariaDB), plus SELECT everywhere.
     * Privileges are read at login: drop the monitor's connections afterwards.
     */
    public void exporterGrantsForMonitor() {
        String account = "'" + Topology.MONITOR_USER + "'@'%'";
        for (DbServer s : topology.all()) {
            execUnlogged(s, "REVOKE " + replicaListPrivilege() + " ON *.* FROM " + account,
                    "GRANT SELECT ON *.* TO " + account);
        }
    }

    /** Repairs {@link #exporterGrantsForMonitor}: the README's grants again. */
    public void readmeGrantsForMonitor() {
        String account = "'" + Topology.MONITOR_USER + "'@'%'";
        for (DbServer s : topology.all()) {
            execUnlogged(s, "GRANT " + replicaListPrivilege() + " ON *.* TO " + account,
                    "REVOKE SELECT ON *.* FROM " + account);
        }
    }

    /** What {@code SHOW REPLICAS} / {@code SHOW REPLICA HOSTS} needs. */
    public String replicaListPrivilege() {
        return flavor == Flavor.MYSQL ? "REPLICATION SLAVE" : "REPLICATION MASTER ADMIN";
    }

    /** Kills every connection of {@code user} on the server (privileges are read at login). */
    public void dropConnectionsOf(DbServer server, String user) {
        for (Map<String, Object> row : server.query("SELECT ID FROM information_schema.PROCESSLIST WHERE USER = '"
                + user + "'")) {
            try {
                server.exec("KILL " + row.get("ID"));
            } catch (IllegalStateException alreadyGone) {
                // the connection ended between the two statements
            }
        }
    }

    /**
     * The replication user loses {@code REPLICATION SLAVE} on the source (outside the binary log) and
     * its dump threads are killed: each replica reconnects and the source refuses to register it, MariaDB
     * 1597 "Master command COM_REGISTER_SLAVE failed: Access denied...". Returns what each replica showed.
     */
    public List<Observation> replicationUserLosesReplicationSlave() {
        DbServer src = topology.source();
        execUnlogged(src, "REVOKE REPLICATION SLAVE ON *.* FROM '" + Topology.REPL_USER + "'@'%'");
        for (Map<String, Object> row : src.query("SELECT ID FROM information_schema.PROCESSLIST WHERE COMMAND LIKE 'Binlog Dump%'")) {
            try {
                src.exec("KILL " + row.get("ID"));
            } catch (IllegalStateException alreadyGone) {
                // the replica dropped it first
            }
        }
        return topology.replicas().parallelStream()
                .map(r -> await(r, Duration.ofSeconds(30), "IO refused: access denied",
                        s -> !"Yes".equals(s.get(io())) && String.valueOf(s.get("Last_IO_Error")).contains("Access denied")))
                .collect(Collectors.toList());
    }

    /** Repairs {@link #replicationUserLosesReplicationSlave}: the grant back; the replicas reconnect at their next retry. */
    public void repairReplicationSlaveGrant() {
        execUnlogged(topology.source(), "GRANT REPLICATION SLAVE ON *.* TO '" + Topology.REPL_USER + "'@'%'");
        for (DbServer r : topology.replicas()) {
            if (!"Connecting".equals(r.replicaStatus().get(io()))) {
                restartReplication(r); // a receiver that gave up does not retry by itself
            }
        }
        awaitAllHealthy();
    }

    /** Splits a MySQL GTID set text into single GTIDs ({@code uuid:n}). */
    static final class MySqlGtids {
        private MySqlGtids() {
        }

        static List<String> each(String set) {
            List<String> result = new ArrayList<>();
            for (String part : set.replace("\n", "").split(",")) {
                String[] fields = part.trim().split(":");
                if (fields.length < 2) {
                    continue;
                }
                for (int i = 1; i < fields.length; i++) {
                    String[] range = fields[i].split("-");
                    long from = Long.parseLong(range[0]);
                    long to = range.length > 1 ? Long.parseLong(range[1]) : from;
                    for (long n = from; n <= to; n++) {
                        result.add(fields[0] + ":" + n);
                    }
                }
            }
            return result;
        }
    }
}
