package io.replsentinel.gtid;

import io.replsentinel.poll.Captures;
import io.replsentinel.poll.Row;
import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class ErrantTransactionsTest {

    private static final String MYSQL_SOURCE_UUID = "d8d77de1-e932-11f1-91ae-02fc00000001";
    private static final String MYSQL_REPLICA_UUID = "dbff9504-e932-11f1-8d3e-02fc00000001";

    private static Row gtidVariables(String capture, String instance) {
        return Captures.section(capture, instance + " GTID variables").get(0);
    }

    private static MySqlGtidSet executed(String capture, String instance) {
        return MySqlGtidSet.parse(gtidVariables(capture, instance).text("@@GLOBAL.gtid_executed"));
    }

    private static MariaDbGtidState binlogState(String capture, String instance) {
        return MariaDbGtidState.parse(gtidVariables(capture, instance).text("@@GLOBAL.gtid_binlog_state"));
    }

    @Test
    void shouldFindErrantTransactionOfReplicaInMysqlCapture() {
        MySqlGtidSet replica = executed("mysql-errant-gtid.txt", "m3");
        MySqlGtidSet source = executed("mysql-errant-gtid.txt", "m1");
        assertThat(replica.uuids()).containsExactly(MYSQL_SOURCE_UUID, MYSQL_REPLICA_UUID);

        ErrantTransactions.MySql errant = ErrantTransactions.mysql(replica, source);

        assertThat(errant.isEmpty()).isFalse();
        assertThat(errant.count()).isEqualTo(1);
        // The very text MySQL's GTID_SUBTRACT printed in the same capture.
        String byServer = Captures.section("mysql-errant-gtid.txt", "errant set = GTID_SUBTRACT").get(0)
                .text("errant_gtids");
        assertThat(errant).hasToString(byServer).hasToString(MYSQL_REPLICA_UUID + ":1");
        assertThat(replica.isContainedWithin(source)).isFalse();
        assertThat(source.isContainedWithin(replica)).isTrue();
    }

    @Test
    void shouldReadMultiLineExecutedGtidSetOfReplicaStatusInMysqlCapture() {
        String text = Captures.section("mysql-errant-gtid.txt", "m3 (mysql").get(0).text("Executed_Gtid_Set");
        assertThat(text).contains("\n");
        assertThat(MySqlGtidSet.parse(text)).isEqualTo(executed("mysql-errant-gtid.txt", "m3"));
    }

    @Test
    void shouldLeaveOutAllowedUuidsOfMysqlReplica() {
        MySqlGtidSet replica = executed("mysql-errant-gtid.txt", "m3");
        MySqlGtidSet source = executed("mysql-errant-gtid.txt", "m1");
        assertThat(ErrantTransactions.mysql(replica, source, Set.of(MYSQL_REPLICA_UUID.toUpperCase())).isEmpty())
                .isTrue();
        assertThat(ErrantTransactions.mysql(replica, source, Set.of(MYSQL_SOURCE_UUID)))
                .hasToString(MYSQL_REPLICA_UUID + ":1");
    }

    @Test
    void shouldFindForeignServerIdInMariadbBinlogStateCapture() {
        // a3, gtid_strict_mode ON: its own write 0-13-6 later stopped the SQL thread with 1950.
        MariaDbGtidState replica = binlogState("mariadb-errant-gtid.txt", "a3");
        MariaDbGtidState source = binlogState("mariadb-errant-gtid.txt", "a1");
        assertThat(replica).hasToString("0-11-5,0-13-6");
        assertThat(source).hasToString("0-11-6");

        ErrantTransactions.MariaDb errant = ErrantTransactions.mariaDb(replica, source);

        assertThat(errant.isEmpty()).isFalse();
        assertThat(errant).hasToString("0-13-6");
        assertThat(errant.gtids().serverIds()).containsExactly(13L);
    }

    @Test
    void shouldFindSilentErrantWriteOfNonStrictMariadbReplicaInCapture() {
        // a2, gtid_strict_mode OFF: replication runs on and only the binlog state shows the write.
        Row a2 = gtidVariables("mariadb-errant-gtid.txt", "a2");
        assertThat(a2.text("@@gtid_strict_mode")).isEqualTo("0");
        MariaDbGtidState replica = MariaDbGtidState.parse(a2.text("@@GLOBAL.gtid_binlog_state"));
        MariaDbGtidState source = binlogState("mariadb-errant-gtid.txt", "a1");
        // Its positions alone look healthy: same GTID as the source.
        assertThat(MariaDbGtidPosition.parse(a2.text("@@GLOBAL.gtid_current_pos"))
                .hasReached(MariaDbGtidPosition.parse(source.toString()))).isTrue();

        assertThat(ErrantTransactions.mariaDb(replica, source)).hasToString("0-12-6");
    }

    @Test
    void shouldLeaveOutAllowedServerIdsAndDomainsOfMariadbReplica() {
        MariaDbGtidState replica = binlogState("mariadb-errant-gtid.txt", "a3");
        MariaDbGtidState source = binlogState("mariadb-errant-gtid.txt", "a1");
        assertThat(ErrantTransactions.mariaDb(replica, source, Set.of(), Set.of(13L)).isEmpty()).isTrue();
        assertThat(ErrantTransactions.mariaDb(replica, source, Set.of(0L), Set.of()).isEmpty()).isTrue();
        assertThat(ErrantTransactions.mariaDb(replica, source, Set.of(1L), Set.of(12L))).hasToString("0-13-6");
    }

    @Test
    void shouldReportNothingErrantForHealthyCaptures() {
        ErrantTransactions mysql = ErrantTransactions.mysql(
                executed("mysql-healthy.txt", "m2"), executed("mysql-healthy.txt", "m1"));
        ErrantTransactions mariadb = ErrantTransactions.mariaDb(
                binlogState("mariadb-healthy.txt", "a2"), binlogState("mariadb-healthy.txt", "a1"));

        assertThat(mysql.isEmpty()).isTrue();
        assertThat(mysql).hasToString("");
        assertThat(mariadb.isEmpty()).isTrue();
        assertThat(mariadb).hasToString("");
    }

    @Test
    void shouldReportNothingErrantForDuplicateServerIdReplicasOfMysql() {
        // Same server_id on two replicas is silent on MySQL, and not an errant write either.
        MySqlGtidSet m2 = MySqlGtidSet.parse(
                Captures.section("mysql-dup-replica-id.txt", "m2 (mysql").get(0).text("Executed_Gtid_Set"));
        MySqlGtidSet m3 = MySqlGtidSet.parse(
                Captures.section("mysql-dup-replica-id.txt", "m3 (mysql").get(0).text("Executed_Gtid_Set"));
        assertThat(m2).isEqualTo(m3);
        assertThat(ErrantTransactions.mysql(m3, m2).isEmpty()).isTrue();
    }

    @Test
    void shouldGiveTheMissingTransactionsOfPurgedBinlogCapture() {
        // The source's error names the transactions the replica lacks and the source has purged.
        MySqlGtidSet source = executed("mysql-binlog-purged.txt", "m1");
        MySqlGtidSet purged = MySqlGtidSet.parse(gtidVariables("mysql-binlog-purged.txt", "m1").text("@@GLOBAL.gtid_purged"));
        MySqlGtidSet replica = executed("mysql-binlog-purged.txt", "m3");

        MySqlGtidSet missing = source.subtract(replica);

        assertThat(missing).hasToString("ea0dac45-e932-11f1-9d74-02fc00000001:6-7");
        assertThat(missing.isContainedWithin(purged)).isTrue();
        assertThat(ErrantTransactions.mysql(replica, source).isEmpty()).isTrue();
    }

    @Test
    void shouldRaiseFalseAlarmOnlyWhenSourceIsReadBeforeReplica() {
        // Why the source must be read after the replica: an older source snapshot lacks what the
        // replica applied since, on both flavors.
        MySqlGtidSet staleSource = MySqlGtidSet.parse(MYSQL_SOURCE_UUID + ":1-5");
        MySqlGtidSet replica = MySqlGtidSet.parse(MYSQL_SOURCE_UUID + ":1-6");
        assertThat(ErrantTransactions.mysql(replica, staleSource).isEmpty()).isFalse();
        assertThat(ErrantTransactions.mariaDb(MariaDbGtidState.parse("0-11-6"), MariaDbGtidState.parse("0-11-5"))
                .isEmpty()).isFalse();
    }
}
