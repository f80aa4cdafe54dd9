package io.replsentinel.poll;

import io.replsentinel.event.ChannelStatus;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

class ReplicaStatusParserTest {

    private static ChannelStatus parse(String capture) {
        return ReplicaStatusParser.parse(Captures.section(capture, "SHOW REPLICA STATUS").get(0));
    }

    @Test
    void mysqlDuplicateKey_readsStoppedApplierWithCoordinatorSummary() {
        ChannelStatus ch = parse("mysql-dupkey.txt");
        assertThat(ch.name()).isEmpty();
        assertThat(ch.ioState()).isEqualTo(ChannelStatus.RUNNING);
        assertThat(ch.sqlState()).isEqualTo(ChannelStatus.STOPPED);
        assertThat(ch.lastSqlErrno()).isEqualTo(1062);
        assertThat(ch.lastSqlError()).startsWith("Coordinator stopped because there were error(s) in the worker(s).");
        assertThat(ch.secondsBehindSource()).isNull();
        assertThat(ch.sourceServerId()).isEqualTo(1L);
        assertThat(ch.sourceUuid()).isEqualTo("d1cd6c33-e932-11f1-bfaa-02fc00000001");
        assertThat(ch.retrievedGtidSet()).isEqualTo("d1cd6c33-e932-11f1-bfaa-02fc00000001:1-7");
        assertThat(ch.executedGtidSet()).isEqualTo("d1cd6c33-e932-11f1-bfaa-02fc00000001:1-5");
        assertThat(ch.autoPosition()).isTrue();
        assertThat(ch.lastSqlErrorAt()).isEqualTo(Instant.parse("2026-11-26T00:46:38Z"));
    }

    @Test
    void mariadbDuplicateKey_readsSlaveColumnsAndRealError() {
        ChannelStatus ch = parse("mariadb-dupkey.txt");
        assertThat(ch.ioState()).isEqualTo(ChannelStatus.RUNNING);
        assertThat(ch.sqlState()).isEqualTo(ChannelStatus.STOPPED);
        assertThat(ch.lastSqlErrno()).isEqualTo(1062);
        assertThat(ch.lastSqlError()).contains("Duplicate entry '100' for key 'PRIMARY'");
        assertThat(ch.sourceServerId()).isEqualTo(11L);
        assertThat(ch.autoPosition()).isTrue();
        assertThat(ch.lastSqlErrorAt()).isNull();
    }

    @Test
    void mysqlSourceDown_readsConnectingReceiverWith2003() {
        ChannelStatus ch = ReplicaStatusParser.parse(Captures.section("mysql-source-down.txt", "SHOW REPLICA STATUS", 1).get(0));
        assertThat(ch.ioState()).isEqualTo(ChannelStatus.CONNECTING);
        assertThat(ch.sqlState()).isEqualTo(ChannelStatus.RUNNING);
        assertThat(ch.lastIoErrno()).isEqualTo(2003);
        assertThat(ch.secondsBehindSource()).isNull();
    }

    @Test
    void mariadbSourceDown_readsConnectingReceiverWith2003() {
        ChannelStatus ch = parse("mariadb-source-down.txt");
        assertThat(ch.ioState()).isEqualTo(ChannelStatus.CONNECTING);
        assertThat(ch.lastIoErrno()).isEqualTo(2003);
        assertThat(ch.lastIoError()).contains("Connection refused");
    }

    @Test
    void mysqlPurgedBinlogs_readsStoppedReceiverWith13114() {
        ChannelStatus ch = parse("mysql-binlog-purged.txt");
        assertThat(ch.ioState()).isEqualTo(ChannelStatus.STOPPED);
        assertThat(ch.sqlState()).isEqualTo(ChannelStatus.RUNNING);
        assertThat(ch.lastIoErrno()).isEqualTo(13114);
    }

    @Test
    void mariadbPurgedBinlogs_readsStoppedReceiverWith1236() {
        ChannelStatus ch = parse("mariadb-binlog-purged.txt");
        assertThat(ch.ioState()).isEqualTo(ChannelStatus.STOPPED);
        assertThat(ch.lastIoErrno()).isEqualTo(1236);
        assertThat(ch.lastIoError()).contains("Could not find GTID state requested by slave");
    }

    @Test
    void multiUuidGtidSetPrintedAcrossLines_isJoinedOnOneLine() {
        assertThat(ReplicaStatusParser.gtidSet("aaaa:1-6,\nbbbb:1")).isEqualTo("aaaa:1-6,bbbb:1");
        assertThat(ReplicaStatusParser.gtidSet("")).isEmpty();
        assertThat(ReplicaStatusParser.gtidSet(null)).isNull();
    }

    @Test
    void mariadbPreparingReceiver_countsAsConnecting() {
        assertThat(ReplicaStatusParser.ioState("Preparing")).isEqualTo(ChannelStatus.CONNECTING);
        assertThat(ReplicaStatusParser.ioState("No")).isEqualTo(ChannelStatus.STOPPED);
        assertThat(ReplicaStatusParser.ioState(null)).isEqualTo(ChannelStatus.STOPPED);
    }
}
