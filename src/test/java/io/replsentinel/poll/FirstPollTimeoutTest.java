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
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * An instance's first poll since it was watched that times out is held back, and reported only
 * when the next poll times out too: in a freshly started JVM the first polls load the driver, TLS
 * and the service's own code on the poll's clock (0.5-0.7 s for the first login alone, on a quiet
 * machine), and a start-up must not page about servers that answered. A real MariaDB of each
 * test's own, frozen by SIGSTOP before it is watched, so that its first poll really times out.
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

    @Test
    void hungWhenFirstWatched_firstTimeoutIsHeldBack_andTheNextIsReportedAsSequenceOne() throws Exception {
        String cluster = "first-timeout-hung";
        try (DbServer server = DbServer.builder(Flavor.MARIADB).serverId(73).start();
             KafkaTestClient kafka = KafkaTestClient.fromEnd(bootstrapServers, STATUS_TOPIC)) {
            watchFrozen(server, cluster, held -> {
                assertThat(statuses(kafka, cluster)).as("nothing said of the first, held-back timeout").isEmpty();
                await().atMost(Duration.ofSeconds(30)).until(() -> !statuses(kafka, cluster).isEmpty());
                JsonNode first = statuses(kafka, cluster).get(0);
                assertThat(first.path("reachable").asBoolean()).isFalse();
                assertThat(first.path("error").path("class").asText()).isEqualTo(PollErrors.TIMEOUT);
                assertThat(first.path("error").path("message").asText()).startsWith("no answer within sentinel.poll.timeout");
                assertThat(first.path("sequence").asLong()).as("the held-back poll took no sequence number").isEqualTo(1);
                // every later timeout is reported: the next one too, and the count of held-back polls stays
                await().atMost(Duration.ofSeconds(30)).until(() -> statuses(kafka, cluster).size() >= 2);
                assertThat(statuses(kafka, cluster)).allSatisfy(s -> assertThat(s.path("reachable").asBoolean()).isFalse());
                assertThat(heldBack()).isEqualTo(held + 1);
            });
        }
    }

    @Test
    void firstPollTimesOut_theNextAnswers_andNoUnreachableStatusIsEverPublished() throws Exception {
        String cluster = "first-timeout-answers";
        try (DbServer server = DbServer.builder(Flavor.MARIADB).serverId(74).start();
             KafkaTestClient kafka = KafkaTestClient.fromEnd(bootstrapServers, STATUS_TOPIC)) {
            watchFrozen(server, cluster, held -> {
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

    /** What a test checks once its frozen server's first timeout was held back; {@code held}: the count before. */
    private interface AfterHeldBack {
        void check(double held) throws Exception;
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
            scheduler.watch(instance, Duration.ofMillis(1));
            try {
                await().atMost(Duration.ofSeconds(30)).until(() -> heldBack() >= held + 1);
                then.check(held);
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
