package io.replsentinel.poll;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.replsentinel.inventory.Secret;
import io.replsentinel.inventory.WatchedInstance;
import io.replsentinel.kafka.KafkaBrokerResource;
import io.replsentinel.kafka.KafkaTestClient;
import io.replsentinel.lab.DbServer;
import io.replsentinel.lab.Faults;
import io.replsentinel.lab.Flavor;
import io.replsentinel.lab.Topology;
import io.replsentinel.pipeline.LabResource;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Semaphore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * After a timeout, who logs in through the login slots: an instance whose kept connection timed
 * out logs in again paced, like any other (on a node past its capacity those are live servers that
 * answered late, and unpaced logins would take the CPU the polls need); one whose login got no
 * greeting in time (a hung server keeps silent) logs in without a slot, so that it never holds one
 * for a whole timeout. A real MariaDB of the test's own, hung by SIGSTOP after its first polls,
 * while the test holds every login slot itself.
 */
@QuarkusTest
@WithTestResource(value = KafkaBrokerResource.class, scope = TestResourceScope.GLOBAL)
@WithTestResource(value = LabResource.class, scope = TestResourceScope.GLOBAL)
class SilentServerLoginTest {

    private static final String STATUS_TOPIC = "mysql.replication.status";
    private static final String INSTANCE_CLUSTER = "silent-login";

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @ConfigProperty(name = "sentinel.poll.max-concurrent-logins")
    int maxConcurrentLogins;

    @Inject
    PollScheduler scheduler;

    @Inject
    MeterRegistry registry;

    /** Over the whole node, so it only says that polls were shed, not whose. */
    private double shedForLogin() {
        return LoginPacingTest.shedForLogin(registry);
    }

    @Test
    void keptConnectionTimedOut_logsInAgainThroughASlot_silentLogin_logsInWithoutOne() throws Exception {
        try (DbServer server = DbServer.builder(Flavor.MARIADB).serverId(72).start();
             KafkaTestClient kafka = KafkaTestClient.fromEnd(bootstrapServers, STATUS_TOPIC)) {
            server.exec(Topology.grantStatements(server.flavor(), Topology.MONITOR_USER, Topology.MONITOR_PASSWORD)
                    .toArray(String[]::new));
            WatchedInstance instance = new WatchedInstance(INSTANCE_CLUSTER, server.host(), server.port(),
                    Topology.MONITOR_USER, new Secret(Topology.MONITOR_PASSWORD), Optional.empty(), Map.of(), false);
            Semaphore slots = scheduler.loginSlots();
            scheduler.watch(instance, Duration.ofMillis(1));
            try {
                await().atMost(Duration.ofSeconds(20)).until(() -> latest(kafka) != null && latest(kafka).path("reachable").asBoolean());
                slots.acquire(maxConcurrentLogins); // from here on no paced login can start
                boolean held = true;
                try {
                    Faults.signal(server, "STOP");
                    // the kept connection's poll times out at its deadline and the connection is aborted
                    await().atMost(Duration.ofSeconds(10)).until(() -> timedOut(latest(kafka)));
                    // a tick may still find the aborted poll inside the driver and say so: that status is
                    // about the poll already reported, not one of the logins below
                    int statusesAtTimeout = asked(kafka).size();
                    double shed = shedForLogin();
                    // its next polls must log in: paced, they find no slot and are shed, not reported
                    await().atMost(Duration.ofSeconds(10)).until(() -> shedForLogin() >= shed + 3);
                    assertThat(asked(kafka)).as("no status of a poll that asked while its paced logins wait for a slot")
                            .hasSize(statusesAtTimeout);

                    slots.release(maxConcurrentLogins);
                    held = false;
                    // through a slot it logs in, and the silent server lets that login time out
                    await().atMost(Duration.ofSeconds(10)).until(() -> asked(kafka).size() > statusesAtTimeout);
                    await().atMost(Duration.ofSeconds(10)).until(() -> timedOut(latest(kafka)));

                    slots.acquire(maxConcurrentLogins);
                    held = true;
                    int statusesSilent = statuses(kafka).size();
                    // a server that did not greet logs in without a slot: its logins go on, each timed out
                    // at its deadline (not a tick's "still waiting" for an earlier one); one a timeout
                    // plus a tick apart, 5 s at the test profile's 4 s timeout
                    await().atMost(Duration.ofSeconds(30)).until(() -> {
                        List<JsonNode> seen = statuses(kafka);
                        return seen.subList(statusesSilent, seen.size()).stream()
                                .filter(SilentServerLoginTest::deadlinePassed).count() >= 2;
                    });
                    List<JsonNode> silent = statuses(kafka);
                    assertThat(silent.subList(statusesSilent, silent.size()))
                            .as("every status of the silent server while the slots are held").allMatch(SilentServerLoginTest::timedOut);
                } finally {
                    if (held) {
                        slots.release(maxConcurrentLogins);
                    }
                    Faults.signal(server, "CONT");
                }
                await().atMost(Duration.ofSeconds(20)).until(() -> latest(kafka).path("reachable").asBoolean());
            } finally {
                scheduler.unwatch(instance.id());
            }
        }
    }

    private static boolean timedOut(JsonNode status) {
        return status != null && !status.path("reachable").asBoolean()
                && status.path("error").path("class").asText().equals(PollErrors.TIMEOUT);
    }

    /** A poll reported at its own deadline, as a poll that asked the server does. */
    private static boolean deadlinePassed(JsonNode status) {
        return timedOut(status) && status.path("error").path("message").asText().startsWith("no answer within");
    }

    /** The statuses of polls that asked the server: all but a tick's "still waiting" for a poll already reported. */
    private static List<JsonNode> asked(KafkaTestClient kafka) {
        return statuses(kafka).stream()
                .filter(s -> !s.path("error").path("message").asText().equals(InstancePoller.STILL_WAITING))
                .toList();
    }

    private static JsonNode latest(KafkaTestClient kafka) {
        List<JsonNode> seen = statuses(kafka);
        return seen.isEmpty() ? null : seen.get(seen.size() - 1);
    }

    /** Every status of the test's instance read so far, after reading what came since the last call. */
    private static List<JsonNode> statuses(KafkaTestClient kafka) {
        kafka.poll(Duration.ofMillis(100));
        return kafka.seen().stream().filter(r -> r.key().equals(INSTANCE_CLUSTER)).map(KafkaTestClient::json).toList();
    }
}
