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
import org.junit.jupiter.api.Test;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Until an instance's first status is published, its first poll timeout, and every other of a poll
 * started within {@code sentinel.poll.first-timeout-grace} of the first one, is held back: in a freshly
 * started JVM the first polls load the driver, TLS and the service's own code on the poll's clock
 * (0.5-0.7 s for the first login alone, on a quiet machine), a fleet's logins all come at once, and
 * a start-up must not page about servers that answered. A real MariaDB of each test's own, frozen
 * by SIGSTOP before it is watched, so that its first polls really time out. The test profile's
 * grace is 7 s beside its 4 s timeout: the polls started at about 0 and 5 s are held, the one
 * started at about 10 s is not. Once a status is published every timeout is reported
 * ({@code SilentServerLoginTest} times one out within the grace).
 */
@QuarkusTest
@WithTestResource(value = KafkaBrokerResource.class, scope = TestResourceScope.GLOBAL)
@WithTestResource(value = LabResource.class, scope = TestResourceScope.GLOBAL)
class FirstPollTimeoutTest {

    private static final String STATUS_TOPIC = "mysql.replication.status";

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @Inject
    PollScheduler scheduler;

    @Inject
    MeterRegistry registry;

    @ConfigProperty(name = "sentinel.poll.first-timeout-grace")
    Duration grace;

    @Test
    void hungWhenFirstWatched_timeoutsInTheGraceAreHeldBack_andTheFirstAfterItIsReportedAsSequenceOne() throws Exception {
        String cluster = "first-timeout-hung";
        try (DbServer server = DbServer.builder(Flavor.MARIADB).serverId(73).start();
             KafkaTestClient kafka = KafkaTestClient.fromEnd(bootstrapServers, STATUS_TOPIC)) {
            watchFrozen(server, cluster, (held, watchedAt) -> {
                assertThat(statuses(kafka, cluster)).as("nothing said of the first, held-back timeout").isEmpty();
                await().atMost(Duration.ofSeconds(30)).until(() -> !statuses(kafka, cluster).isEmpty());
                // the counter is the node's: other instances' first polls may add to it, never take from it
                assertThat(heldBack()).as("the timeouts of the polls started in the grace, at about 0 and 5 s")
                        .isGreaterThanOrEqualTo(held + 2);
                JsonNode first = statuses(kafka, cluster).get(0);
                assertThat(first.path("reachable").asBoolean()).isFalse();
                assertThat(first.path("error").path("class").asText()).isEqualTo(PollErrors.TIMEOUT);
                assertThat(first.path("error").path("message").asText()).startsWith("no answer within sentinel.poll.timeout");
                assertThat(first.path("sequence").asLong()).as("the held-back polls took no sequence number").isEqualTo(1);
                assertThat(Instant.parse(first.path("observedAt").asText())).as("the first poll started after the grace")
                        .isAfterOrEqualTo(watchedAt.plus(grace));
                // every later timeout is reported: the next one too, and the count of held-back polls stays
                await().atMost(Duration.ofSeconds(30)).until(() -> statuses(kafka, cluster).size() >= 2);
                assertThat(statuses(kafka, cluster)).allSatisfy(s -> assertThat(s.path("reachable").asBoolean()).isFalse());
                assertThat(statuses(kafka, cluster).get(1).path("sequence").asLong()).isEqualTo(2);
            });
        }
    }

    @Test
    void firstPollTimesOut_theNextAnswers_andNoUnreachableStatusIsEverPublished() throws Exception {
        String cluster = "first-timeout-answers";
        try (DbServer server = DbServer.builder(Flavor.MARIADB).serverId(74).start();
             KafkaTestClient kafka = KafkaTestClient.fromEnd(bootstrapServers, STATUS_TOPIC)) {
            watchFrozen(server, cluster, (held, watchedAt) -> {
                // the server answers again well inside the next poll's deadline (the test profile's 4 s)
                Faults.signal(server, "CONT");
                await().atMost(Duration.ofSeconds(30)).until(() -> statuses(kafka, cluster).stream()
                        .anyMatch(s -> s.path("reachable").asBoolean()));
                List<JsonNode> seen = statuses(kafka, cluster);
                assertThat(seen).as("every status of an instance whose only timeout was its first poll")
                        .allSatisfy(s -> assertThat(s.path("reachable").asBoolean()).isTrue());
                assertThat(seen.get(0).path("sequence").asLong()).isEqualTo(1);
            });
        }
    }

    /**
     * What a test checks once its frozen server's first timeout was held back; {@code held}: the
     * count before, {@code watchedAt}: just before the watch.
     */
    private interface AfterHeldBack {
        void check(double held, Instant watchedAt) throws Exception;
    }

    /**
     * Freezes the server (SIGSTOP), watches it, waits until its first poll's timeout is held back and
     * runs {@code then}; unwatches and thaws it (SIGCONT, a no-op on a running server) whatever happens.
     */
    private void watchFrozen(DbServer server, String cluster, AfterHeldBack then) throws Exception {
        WatchedInstance instance = monitored(server, cluster);
        Faults.signal(server, "STOP");
        try {
            double held = heldBack();
            Instant watchedAt = Instant.now();
            scheduler.watch(instance, Duration.ofMillis(1));
            try {
                await().atMost(Duration.ofSeconds(30)).until(() -> heldBack() >= held + 1);
                then.check(held, watchedAt);
            } finally {
                scheduler.unwatch(instance.id());
            }
        } finally {
            Faults.signal(server, "CONT");
        }
    }

    private static WatchedInstance monitored(DbServer server, String cluster) {
        server.exec(Topology.grantStatements(server.flavor(), Topology.MONITOR_USER, Topology.MONITOR_PASSWORD)
                .toArray(String[]::new));
        return new WatchedInstance(cluster, server.host(), server.port(), Topology.MONITOR_USER,
                new Secret(Topology.MONITOR_PASSWORD), Optional.empty(), Map.of(), false);
    }

    private double heldBack() {
        return registry.get("sentinel_polls_skipped_total").tag("reason", PollScheduler.SKIPPED_FIRST_TIMEOUT)
                .counter().count();
    }

    /** Every status of the test's cluster read so far, after reading what came since the last call. */
    private static List<JsonNode> statuses(KafkaTestClient kafka, String cluster) {
        kafka.poll(Duration.ofMillis(100));
        return kafka.seen().stream().filter(r -> r.key().equals(cluster)).map(KafkaTestClient::json).toList();
    }
}
