package io.replsentinel.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Proves the lab against real servers: one shared topology per flavor (source + 2 replicas), each
 * fault injected, observed through the servers' own status output, and repaired before the next test.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LabTopologyTest {

    private static Topology mysql;
    private static Topology mariadb;
    private static long started;

    @BeforeAll
    static void buildTopologies() {
        started = System.nanoTime();
        LabInstall.get();
        long t0 = System.nanoTime();
        CompletableFuture<Topology> my = CompletableFuture.supplyAsync(() -> timed("mysql topology", () -> Topology.mysql(2)));
        CompletableFuture<Topology> ma = CompletableFuture.supplyAsync(() -> timed("mariadb topology", () -> Topology.mariadb(2)));
        try {
            mysql = my.join();
        } finally {
            mariadb = ma.join();
        }
        note("both topologies ready after %d ms", (System.nanoTime() - t0) / 1_000_000);
    }

    @AfterAll
    static void tearDown() {
        long t0 = System.nanoTime();
        if (mysql != null) {
            mysql.close();
        }
        if (mariadb != null) {
            mariadb.close();
        }
        note("teardown %d ms; whole class %d ms", (System.nanoTime() - t0) / 1_000_000, (System.nanoTime() - started) / 1_000_000);
    }

    /** A test that failed half-way must not take the next one down with it: bring a dead source back. */
    @BeforeEach
    void sourcesRunning() {
        for (Topology t : new Topology[] { mysql, mariadb }) {
            if (t != null && !t.source().running()) {
                note("restarting %s source left dead by an earlier test", t.flavor());
                new Faults(t).restartSource();
            }
        }
    }

    // ---------------------------------------------------------------------------------- healthy

    @Test
    @Order(1)
    void mysqlTopologyReplicatesWithAutoPosition() {
        replicates(mysql, 1, 2, 3);
        for (DbServer r : mysql.replicas()) {
            Map<String, Object> s = r.replicaStatus();
            assertThat(s.get("Auto_Position")).hasToString("1");
            assertThat(s.get("Source_Port")).hasToString(Integer.toString(mysql.source().port()));
            assertThat(r.scalar("SELECT @@GLOBAL.super_read_only")).isEqualTo("1");
            assertThat(r.gtidPosition()).isEqualTo(mysql.source().gtidPosition());
        }
    }

    @Test
    @Order(1)
    void mariadbTopologyReplicatesWithGtidSlavePos() {
        replicates(mariadb, 1, 2, 3);
        for (DbServer r : mariadb.replicas()) {
            Map<String, Object> s = r.replicaStatus();
            assertThat(s.get("Using_Gtid")).hasToString("Slave_Pos");
            assertThat(r.scalar("SELECT @@GLOBAL.read_only")).isEqualTo("1");
            assertThat(r.scalar("SELECT @@GLOBAL.gtid_slave_pos")).isEqualTo(mariadb.source().gtidPosition());
            assertThat(r.scalar("SELECT @@character_set_server")).isEqualTo("utf8mb4");
        }
    }

    private void replicates(Topology t, int... ids) {
        Faults f = new Faults(t);
        t.replicas().forEach(r -> f.awaitHealthy(r, Duration.ofSeconds(30)));
        t.insert(ids);
        t.awaitReplicasCaughtUp(Duration.ofSeconds(30));
        for (DbServer r : t.replicas()) {
            assertThat(r.query("SELECT id FROM lab.t WHERE id IN (1,2,3) ORDER BY id")).hasSize(ids.length);
        }
        note("%s replicates: %s", t.flavor(), t);
    }

    // ---------------------------------------------------------------------------------- grants

    @Test
    @Order(2)
    void mysqlMonitorUserSeesEverythingWithLeastPrivilege() throws SQLException {
        DbServer src = mysql.source();
        DbServer replica = mysql.replicas().get(0);
        try (Connection c = replica.connection(Topology.MONITOR_USER, Topology.MONITOR_PASSWORD)) {
            assertThat(DbServer.query(c, "SHOW REPLICA STATUS")).hasSize(1);
            for (String table : List.of("replication_connection_status", "replication_applier_status_by_worker",
                    "replication_applier_status_by_coordinator", "replication_connection_configuration")) {
                assertThat(DbServer.query(c, "SELECT * FROM performance_schema." + table)).as(table).isNotEmpty();
            }
            Map<String, Object> vars = DbServer.query(c,
                    "SELECT @@GLOBAL.gtid_executed g, @@server_uuid u, @@read_only ro, @@super_read_only sro, @@server_id id").get(0);
            assertThat(vars.get("sro")).hasToString("1");
            assertThat(vars.get("id")).hasToString(Long.toString(replica.serverId()));
            assertThatThrownBy(() -> DbServer.query(c, "SELECT * FROM lab.t")).isInstanceOf(SQLException.class);
        }
        try (Connection c = src.connection(Topology.MONITOR_USER, Topology.MONITOR_PASSWORD)) {
            assertThat(DbServer.query(c, "SHOW REPLICAS")).hasSize(2);
            assertThat(DbServer.query(c, "SHOW BINARY LOG STATUS")).hasSize(1);
            assertThat(DbServer.query(c, "SELECT * FROM performance_schema.processlist WHERE COMMAND LIKE 'Binlog Dump%'"))
                    .hasSize(2);
            assertThat(DbServer.query(c, "SELECT * FROM information_schema.PROCESSLIST WHERE COMMAND LIKE 'Binlog Dump%'"))
                    .hasSize(2);
        }
    }

    @Test
    @Order(2)
    void mariadbMonitorUserSeesEverythingAndNeedsSlaveMonitor() throws SQLException {
        DbServer src = mariadb.source();
        DbServer replica = mariadb.replicas().get(0);
        try (Connection c = replica.connection(Topology.MONITOR_USER, Topology.MONITOR_PASSWORD)) {
            List<Map<String, Object>> all = DbServer.query(c, "SHOW ALL REPLICAS STATUS");
            assertThat(all).hasSize(1);
            assertThat(all.get(0)).containsKeys("Connection_name", "Gtid_Slave_Pos", "Slave_IO_Running");
            assertThat(DbServer.query(c, "SHOW REPLICA STATUS")).hasSize(1);
            Map<String, Object> vars = DbServer.query(c, "SELECT @@GLOBAL.gtid_binlog_pos b, @@GLOBAL.gtid_slave_pos s,"
                    + " @@GLOBAL.gtid_current_pos c, @@read_only ro, @@server_id id, @@gtid_strict_mode strict").get(0);
            assertThat(vars.get("ro")).hasToString("1");
            assertThatThrownBy(() -> DbServer.query(c, "SELECT * FROM lab.t")).isInstanceOf(SQLException.class);
        }
        try (Connection c = src.connection(Topology.MONITOR_USER, Topology.MONITOR_PASSWORD)) {
            assertThat(DbServer.query(c, "SHOW SLAVE HOSTS")).hasSize(2);
            assertThat(DbServer.query(c, "SHOW BINARY LOGS")).isNotEmpty();
            assertThat(DbServer.query(c, "SHOW MASTER STATUS")).hasSize(1);
            assertThat(DbServer.query(c, "SELECT * FROM information_schema.PROCESSLIST WHERE COMMAND LIKE 'Binlog Dump%'"))
                    .hasSize(2);
        }
        Faults f = new Faults(mariadb);
        String user = "'" + Topology.MONITOR_USER + "'@'%'";
        f.execUnlogged(replica, "REVOKE SLAVE MONITOR ON *.* FROM " + user);
        try (Connection c = replica.connection(Topology.MONITOR_USER, Topology.MONITOR_PASSWORD)) {
            SQLException e = (SQLException) catchThrowable(() -> DbServer.query(c, "SHOW ALL REPLICAS STATUS"));
            note("MariaDB without SLAVE MONITOR: SHOW ALL REPLICAS STATUS -> errno %d (%s) %s", e.getErrorCode(), e.getSQLState(), e.getMessage());
            assertThat(e.getErrorCode()).isEqualTo(1227);
        } finally {
            f.execUnlogged(replica, "GRANT SLAVE MONITOR ON *.* TO " + user);
        }
    }

    private static Throwable catchThrowable(org.assertj.core.api.ThrowableAssert.ThrowingCallable c) {
        Throwable t = org.assertj.core.api.Assertions.catchThrowable(c);
        assertThat(t).isInstanceOf(SQLException.class);
        return t;
    }

    // ---------------------------------------------------------------------------------- (a) duplicate key

    @Test
    @Order(3)
    void mysqlDuplicateKeyStopsSqlThreadWith1062() {
        DbServer replica = mysql.replicas().get(0);
        Faults f = new Faults(mysql);
        Faults.Observation o = f.duplicateKeyOnReplica(replica, 100);
        assertThat(o.get("Replica_IO_Running")).isEqualTo("Yes");
        assertThat(o.get("Replica_SQL_Running")).isEqualTo("No");
        assertThat(o.get("Last_SQL_Errno")).hasToString("1062");
        List<Map<String, Object>> workers = replica.query(
                "SELECT LAST_ERROR_NUMBER, LAST_ERROR_MESSAGE FROM performance_schema.replication_applier_status_by_worker"
                        + " WHERE LAST_ERROR_NUMBER <> 0");
        assertThat(workers).isNotEmpty();
        assertThat(workers.get(0).get("LAST_ERROR_NUMBER")).hasToString("1062");
        observed("mysql dup key", o);
        note("mysql dup key: Last_SQL_Error=%s | worker: %s", o.get("Last_SQL_Error"), workers.get(0).get("LAST_ERROR_MESSAGE"));
        observed("mysql dup key repaired", f.repairDuplicateKey(replica, 100));
        assertThat(replica.scalar("SELECT v FROM lab.t WHERE id = 100")).isEqualTo("v100");
    }

    @Test
    @Order(3)
    void mariadbDuplicateKeyStopsSqlThreadWith1062() {
        DbServer replica = mariadb.replicas().get(0);
        Faults f = new Faults(mariadb);
        Faults.Observation o = f.duplicateKeyOnReplica(replica, 100);
        assertThat(o.get("Slave_IO_Running")).isEqualTo("Yes");
        assertThat(o.get("Slave_SQL_Running")).isEqualTo("No");
        assertThat(o.get("Last_SQL_Errno")).hasToString("1062");
        assertThat(o.get("Last_SQL_Error").toString()).contains("Duplicate entry '100'");
        observed("mariadb dup key", o);
        observed("mariadb dup key repaired", f.repairDuplicateKey(replica, 100));
        assertThat(replica.scalar("SELECT v FROM lab.t WHERE id = 100")).isEqualTo("v100");
    }

    // ---------------------------------------------------------------------------------- (b) source down

    @Test
    @Order(4)
    void mysqlSourceKilledLeavesReplicasConnectingWith2003UntilRestart() {
        sourceDown(mysql, "Replica_IO_Running", "Seconds_Behind_Source");
    }

    @Test
    @Order(4)
    void mariadbSourceKilledLeavesReplicasConnectingWith2003UntilRestart() {
        sourceDown(mariadb, "Slave_IO_Running", "Seconds_Behind_Master");
    }

    private void sourceDown(Topology t, String ioColumn, String lagColumn) {
        Faults f = new Faults(t);
        long pid = t.source().pid();
        int port = t.source().port();
        List<Faults.Observation> down = f.killSource();
        assertThat(t.source().running()).isFalse();
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
        for (Faults.Observation o : down) {
            assertThat(o.get(ioColumn)).isEqualTo("Connecting");
            assertThat(o.get("Last_IO_Errno")).hasToString("2003");
            if (t.flavor() == Flavor.MARIADB) {
                assertThat(o.get(lagColumn)).isNull();
            }
            note("%s source down: %s=%s", t.flavor(), lagColumn, o.get(lagColumn));
            observed(t.flavor() + " source down", o);
        }
        List<Faults.Observation> up = f.restartSource();
        assertThat(t.source().port()).isEqualTo(port);
        assertThat(t.source().pid()).isNotEqualTo(pid);
        up.forEach(o -> observed(t.flavor() + " source back", o));
        t.insert(200);
        t.awaitReplicasCaughtUp(Duration.ofSeconds(30));
        t.replicas().forEach(r -> assertThat(r.scalar("SELECT v FROM lab.t WHERE id = 200")).isEqualTo("v200"));
    }

    // ---------------------------------------------------------------------------------- (c) wrong password

    @Test
    @Order(5)
    void mysqlWrongReplicationPasswordGivesIoError1045() {
        wrongPassword(mysql, "Replica_IO_Running");
    }

    @Test
    @Order(5)
    void mariadbWrongReplicationPasswordGivesIoError1045() {
        wrongPassword(mariadb, "Slave_IO_Running");
    }

    private void wrongPassword(Topology t, String ioColumn) {
        DbServer replica = t.replicas().get(1);
        Faults f = new Faults(t);
        Faults.Observation o = f.wrongReplicationPassword(replica);
        assertThat(o.get("Last_IO_Errno")).hasToString("1045");
        assertThat(o.get(ioColumn)).isIn("Connecting", "No");
        observed(t.flavor() + " wrong password", o);
        // Watch a few more seconds: does the IO thread keep retrying or give up?
        Faults.Observation later = t.flavor() == Flavor.MYSQL
                // MySQL retries SOURCE_RETRY_COUNT (default 10) times SOURCE_CONNECT_RETRY (2 s) apart, then gives up
                ? f.await(replica, Duration.ofSeconds(40), "IO thread giving up", s -> "No".equals(s.get(ioColumn)))
                : watch(f, replica, Duration.ofSeconds(8));
        observed(t.flavor() + " wrong password, later", later);
        assertThat(later.get("Last_IO_Errno")).hasToString("1045");
        observed(t.flavor() + " wrong password repaired", f.repairReplicationPassword(replica));
        t.insert(400);
        t.awaitReplicasCaughtUp(Duration.ofSeconds(30));
        assertThat(replica.scalar("SELECT v FROM lab.t WHERE id = 400")).isEqualTo("v400");
    }

    private static Faults.Observation watch(Faults f, DbServer replica, Duration d) {
        long end = System.nanoTime() + d.toNanos();
        return f.await(replica, d.plusSeconds(5), "watch", s -> System.nanoTime() > end);
    }

    // ---------------------------------------------------------------------------------- (d) purged binlogs

    @Test
    @Order(6)
    void mysqlPurgedBinlogsStopReplicaIoWith13114() {
        DbServer replica = mysql.replicas().get(1);
        Faults f = new Faults(mysql);
        Faults.Observation o = f.purgeBinlogsNeededBy(replica, 300, 301);
        assertThat(o.get("Replica_IO_Running")).isEqualTo("No");
        assertThat(o.get("Last_IO_Errno")).hasToString("13114");
        assertThat(o.get("Last_IO_Error").toString()).contains("purged required binary logs");
        observed("mysql purged binlogs", o);
        observed("mysql purged binlogs repaired", f.repairPurgedBinlogs(replica));
        assertThat(replica.query("SELECT id FROM lab.t WHERE id IN (300, 301)")).hasSize(2);
        mysql.insert(302);
        mysql.awaitReplicasCaughtUp(Duration.ofSeconds(30));
        assertThat(replica.gtidPosition()).isEqualTo(mysql.source().gtidPosition());
    }

    @Test
    @Order(6)
    void mariadbPurgedBinlogsStopReplicaIoWith1236() {
        DbServer replica = mariadb.replicas().get(1);
        Faults f = new Faults(mariadb);
        Faults.Observation o = f.purgeBinlogsNeededBy(replica, 300, 301);
        assertThat(o.get("Slave_IO_Running")).isEqualTo("No");
        assertThat(o.get("Last_IO_Errno")).hasToString("1236");
        assertThat(o.get("Last_IO_Error").toString()).contains("Could not find GTID state");
        observed("mariadb purged binlogs", o);
        observed("mariadb purged binlogs repaired", f.repairPurgedBinlogs(replica));
        assertThat(replica.query("SELECT id FROM lab.t WHERE id IN (300, 301)")).hasSize(2);
        mariadb.insert(302);
        mariadb.awaitReplicasCaughtUp(Duration.ofSeconds(30));
        assertThat(replica.scalar("SELECT @@GLOBAL.gtid_slave_pos")).isEqualTo(mariadb.source().gtidPosition());
    }

    // ---------------------------------------------------------------------------------- alertmanager

    @Test
    @Order(7)
    void alertmanagerAcceptsAndListsAlerts() {
        long t0 = System.nanoTime();
        try (AlertmanagerProcess am = AlertmanagerProcess.start()) {
            note("alertmanager ready at %s after %d ms", am.url(), (System.nanoTime() - t0) / 1_000_000);
            assertThat(am.alerts()).isEmpty();
            am.post(List.of(Map.of("labels", Map.of("alertname", "ReplicaSqlThreadStopped", "instance", "127.0.0.1:1"),
                    "annotations", Map.of("summary", "lab"))));
            assertThat(am.alerts()).hasSize(1);
            assertThat(am.alerts().get(0).get("labels")).isEqualTo(
                    Map.of("alertname", "ReplicaSqlThreadStopped", "instance", "127.0.0.1:1"));
            long pid = am.pid();
            am.close();
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
        }
    }

    // ---------------------------------------------------------------------------------- reporting

    private static <T> T timed(String what, java.util.function.Supplier<T> s) {
        long t0 = System.nanoTime();
        T v = s.get();
        note("%s built in %d ms: %s", what, (System.nanoTime() - t0) / 1_000_000, v);
        return v;
    }

    private static void observed(String what, Faults.Observation o) {
        note("%s on %s after %d ms: IO=%s SQL=%s Last_IO_Errno=%s Last_IO_Error=%s Last_SQL_Errno=%s; states seen %s", what,
                o.server().id(), o.took().toMillis(), o.status().getOrDefault("Replica_IO_Running", o.status().get("Slave_IO_Running")),
                o.status().getOrDefault("Replica_SQL_Running", o.status().get("Slave_SQL_Running")),
                o.get("Last_IO_Errno"), o.get("Last_IO_Error"), o.get("Last_SQL_Errno"), o.statesSeen());
    }

    static void note(String format, Object... args) {
        String line = "[lab] " + String.format(format, args);
        System.out.println(line);
        try {
            Path f = LabInstall.get().labDir().resolve("observations.log");
            Files.createDirectories(f.getParent());
            Files.writeString(f, line + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException ignored) {
        }
    }
}
