package io.replsentinel.binlog;

import org.junit.jupiter.api.Test;

import java.sql.SQLException;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The listener's small parts: server_id allocation, tagged-GTID detection, failure causes. */
class ListenerPiecesTest {

    @Test
    void serverIdAllocator_skipsIdsThePollersSaw_andIdsOtherListenersHold() {
        ServerIdAllocator a = new ServerIdAllocator(100, 104);
        assertThat(a.allocate(Set.of(100L, 101L))).isEqualTo(102);
        assertThat(a.allocate(Set.of(100L, 101L))).isEqualTo(103);
        a.release(102);
        assertThat(a.allocate(Set.of(100L, 101L))).isEqualTo(102);
    }

    @Test
    void serverIdAllocator_exhaustedRange_failsNamingTheSettings() {
        ServerIdAllocator a = new ServerIdAllocator(1, 2);
        assertThatThrownBy(() -> a.allocate(Set.of(1L, 2L))).hasMessageContaining("sentinel.binlog.server-id-min");
        assertThatThrownBy(() -> new ServerIdAllocator(5, 4)).hasMessageContaining("server-id-max");
    }

    @Test
    void preflight_tellsTaggedGtidSetsFromPlainOnes() {
        String uuid = "d8d77de1-e932-11f1-91ae-02fc00000001";
        assertThat(Preflight.tagged(uuid + ":1-10,dbff9504-e932-11f1-8d3e-02fc00000001:1")).isFalse();
        assertThat(Preflight.tagged(uuid + ":1-10:nightly:1-3")).isTrue();
        assertThat(Preflight.tagged(uuid + ":nightly:1")).isTrue();
        assertThat(Preflight.tagged("")).isFalse();
    }

    @Test
    void listenerDown_classifiesWhatTheServerOrDebeziumSaid() {
        assertThat(ListenerDown.classify("Access denied; you need (at least one of) the REPLICATION SLAVE privilege(s)",
                new SQLException("denied", "42000", 1227)).cause()).isEqualTo(ListenerDown.PRIVILEGES);
        assertThat(ListenerDown.classify("The MySQL server is not configured to use a ROW binlog_format", null).cause())
                .isEqualTo(ListenerDown.UNSUPPORTED_CONFIG);
        assertThat(ListenerDown.classify("Error processing binlog event", new IllegalStateException(
                "Encountered change event for table lab.t whose schema isn't known to this connector")).cause())
                .as("a table the account may not read").isEqualTo("privileges");
        assertThat(ListenerDown.classify("Communications link failure", new java.net.ConnectException("refused")).cause())
                .isEqualTo(ListenerDown.CONNECTION);
    }
}
