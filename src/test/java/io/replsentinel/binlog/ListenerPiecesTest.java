package io.replsentinel.binlog;

import io.replsentinel.event.BinlogListenerState;
import io.replsentinel.inventory.Secret;
import io.replsentinel.inventory.WatchedInstance;
import io.replsentinel.lab.LabCommand;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

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

    /**
     * A server that hangs up on every login, and a states channel that refuses each down state (full,
     * or stopping): the listener still tries again and again, rather than its retries ending with the
     * first state it could not publish.
     */
    @Test
    void downStateNotPublished_listenerStillTriesAgain() throws Exception {
        AtomicInteger logins = new AtomicInteger();
        List<BinlogListenerState> refused = new CopyOnWriteArrayList<>();
        ScheduledExecutorService supervisor = Executors.newScheduledThreadPool(2);
        try (ServerSocket hangsUp = new ServerSocket(LabCommand.freePort(), 50, InetAddress.getLoopbackAddress())) {
            Thread acceptor = new Thread(() -> {
                while (!hangsUp.isClosed()) {
                    try (Socket s = hangsUp.accept()) {
                        logins.incrementAndGet();
                    } catch (IOException closed) {
                        return;
                    }
                }
            }, "hangs-up");
            acceptor.setDaemon(true);
            acceptor.start();
            BinlogListener.Context ctx = new BinlogListener.Context(
                    new TestSettings(Files.createTempDirectory("listener-retries"), Duration.ZERO),
                    new ServerIdAllocator(4200000000L, 4200009999L), new ServerIdRegistry(), Set.of(),
                    ListenerHarness.JDBC, e -> { }, state -> {
                        if (state.down()) {
                            refused.add(state);
                            throw new IllegalStateException("the channel is full");
                        }
                    }, supervisor, Clock.systemUTC());
            BinlogListener listener = new BinlogListener(new WatchedInstance("retries", "127.0.0.1", hangsUp.getLocalPort(),
                    "sentinel", new Secret("x"), Optional.empty(), Map.of(), false), ctx);
            listener.start();
            try {
                await().atMost(Duration.ofSeconds(20)).until(() -> logins.get() >= 3);
                assertThat(refused).isNotEmpty().allSatisfy(s -> assertThat(s.cause()).isEqualTo(ListenerDown.CONNECTION));
            } finally {
                listener.close();
            }
        } finally {
            supervisor.shutdownNow();
        }
    }
}
