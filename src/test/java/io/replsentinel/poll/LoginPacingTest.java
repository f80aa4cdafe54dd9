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
import io.replsentinel.lab.Flavor;
import io.replsentinel.lab.Topology;
import io.replsentinel.pipeline.LabResource;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Logins are paced ({@code sentinel.poll.max-concurrent-logins}) and a poll held back by the pacing
 * is the service's, never the instance's: {@value #INSTANCES} instances, each on a loopback address
 * of its own on one real MariaDB, are watched at once with their first polls bunched on one instant
 * (as at start-up). While the test holds every login slot itself, none of them is polled, every
 * poll is shed and counted ({@code sentinel_polls_skipped_total{reason="login"}}) and no status says
 * one is unreachable; once the slots are free, all of them log in through the few slots and report
 * reachable, and none was ever reported unreachable.
 */
@QuarkusTest
@WithTestResource(value = KafkaBrokerResource.class, scope = TestResourceScope.GLOBAL)
@WithTestResource(value = LabResource.class, scope = TestResourceScope.GLOBAL)
class LoginPacingTest {

    private static final String STATUS_TOPIC = "mysql.replication.status";
    private static final String PREFIX = "login-pacing-";
    private static final int INSTANCES = 60;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @ConfigProperty(name = "sentinel.poll.max-concurrent-logins")
    int maxConcurrentLogins;

    @Inject
    PollScheduler scheduler;

    @Inject
    MeterRegistry registry;

    private double shed() {
        return shedForLogin(registry);
    }

    /** {@code sentinel_polls_skipped_total{reason="login"}}: over the whole node. */
    static double shedForLogin(MeterRegistry registry) {
        return registry.get("sentinel_polls_skipped_total").tag("reason", PollScheduler.SKIPPED_LOGIN).counter().count();
    }

    @Test
    void pollsWaitingForALoginSlot_areShedAndCounted_andEveryInstanceLogsInThroughTheFewSlots() throws InterruptedException {
        // listening on 0.0.0.0: every 127.x.y.z reaches it, one address per instance
        try (DbServer server = DbServer.builder(Flavor.MARIADB).serverId(71).option("bind-address=0.0.0.0")
                .option("max-connections=" + (INSTANCES + 50)).start();
             KafkaTestClient kafka = KafkaTestClient.fromEnd(bootstrapServers, STATUS_TOPIC)) {
            server.exec(Topology.grantStatements(server.flavor(), Topology.MONITOR_USER, Topology.MONITOR_PASSWORD)
                    .toArray(String[]::new));
            List<WatchedInstance> instances = IntStream.range(0, INSTANCES)
                    .mapToObj(i -> new WatchedInstance(PREFIX + i, "127.71.0." + (i + 1), server.port(), Topology.MONITOR_USER,
                            new Secret(Topology.MONITOR_PASSWORD), Optional.empty(), Map.of(), false))
                    .toList();
            try {
                pollThroughThePacing(kafka, instances);
            } finally {
                // before the server stops: its instances must not be reported unreachable by its stop
                instances.forEach(i -> scheduler.unwatch(i.id()));
            }
        }
    }

    private void pollThroughThePacing(KafkaTestClient kafka, List<WatchedInstance> instances) throws InterruptedException {
        Semaphore slots = scheduler.loginSlots();
        double shedBefore = shed();
        slots.acquire(maxConcurrentLogins); // every slot taken: no poll of these can log in
        try {
            // all first polls within a millisecond: the start-up storm, in miniature
            instances.forEach(i -> scheduler.watch(i, Duration.ofMillis(1)));
            // two ticks of each shed, counted as the service's
            await().atMost(Duration.ofSeconds(15)).until(() -> shed() >= shedBefore + 2 * INSTANCES);
            kafka.poll(Duration.ofMillis(500));
            assertThat(statuses(kafka)).as("no instance is polled, so none is reported at all").isEmpty();
        } finally {
            slots.release(maxConcurrentLogins);
        }
        Set<String> ids = instances.stream().map(WatchedInstance::id).collect(Collectors.toSet());
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            kafka.poll(Duration.ofMillis(200));
            return statuses(kafka).stream().filter(s -> s.path("reachable").asBoolean())
                    .map(s -> s.path("instance").asText()).collect(Collectors.toSet()).containsAll(ids);
        });
        List<JsonNode> unreachable = statuses(kafka).stream().filter(s -> !s.path("reachable").asBoolean()).toList();
        assertThat(unreachable).as("statuses of an instance reported unreachable").isEmpty();
    }

    private static List<JsonNode> statuses(KafkaTestClient kafka) {
        return kafka.seen().stream().filter(r -> r.key().startsWith(PREFIX)).map(KafkaTestClient::json).toList();
    }
}
