package io.replsentinel.poll;

import io.replsentinel.event.PollError;
import io.replsentinel.event.PollerIdentity;
import io.replsentinel.event.ReplicationStatus;
import io.replsentinel.inventory.Secret;
import io.replsentinel.inventory.SentinelConfig;
import io.replsentinel.inventory.WatchedInstance;
import io.replsentinel.lab.LabCommand;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A server that keeps refusing is reported the same on every poll, though after the first refusal
 * the poller checks with a plain socket before building a Connector/J connection; and a port that
 * listens again is never read as still refusing.
 */
class RefusedLoginTest {

    private static final SentinelConfig.Poll POLL = PollHarness.defaults(SentinelConfig.Poll.class);
    private final ExecutorService workers = Executors.newCachedThreadPool();

    @AfterEach
    void stop() {
        workers.shutdownNow();
    }

    @BeforeAll
    static void registerDriver() throws ClassNotFoundException {
        // DriverManager offers a driver only to callers of the class loader that registered it; after a
        // Quarkus test in the same JVM the registered copy is the Quarkus class loader's, not this one's
        Class.forName("com.mysql.cj.jdbc.Driver");
    }

    @Test
    void aServerThatKeepsRefusing_isReportedTheSameOnEveryPoll_andOneListeningAgainIsNotReadAsRefusing() throws IOException {
        InetAddress loopback = InetAddress.getByName("127.0.0.1");
        // below the ephemeral range and never handed out twice: no other bind(0) takes it meanwhile
        int port = LabCommand.freePort();
        WatchedInstance instance = new WatchedInstance("refusing", "127.0.0.1", port, "monitor", new Secret("pw"),
                Optional.of("primary"), Map.of(), false);
        try (InstancePoller poller = new InstancePoller(instance, POLL, new ConnectionSettings(POLL),
                PollHarness.defaults(SentinelConfig.Heartbeat.class), () -> new PollerIdentity("test", 0),
                Clock.systemUTC(), workers, (i, ro, ch) -> false)) {
            PollError first = pollNow(poller).error();
            assertThat(first.errorClass()).as(first.message()).isEqualTo(PollErrors.REFUSED);
            assertThat(first.message()).contains("Connection refused");
            for (int i = 0; i < 3; i++) {
                ReplicationStatus again = pollNow(poller);
                assertThat(again.reachable()).isFalse();
                assertThat(again.error()).isEqualTo(first);
            }
            // something listens on the port again but never greets: the login is tried and times out
            try (ServerSocket listening = new ServerSocket()) {
                listening.bind(new InetSocketAddress(loopback, port));
                PollError now = pollNow(poller).error();
                assertThat(now.errorClass()).isNotEqualTo(PollErrors.REFUSED);
            }
        }
    }

    private static ReplicationStatus pollNow(InstancePoller poller) {
        return poller.finish(poller.observeNow(Instant.now(), System.nanoTime()));
    }
}
