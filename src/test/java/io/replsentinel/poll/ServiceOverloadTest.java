package io.replsentinel.poll;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.replsentinel.kafka.KafkaBrokerResource;
import io.replsentinel.kafka.KafkaTestClient;
import io.replsentinel.lab.DbServer;
import io.replsentinel.pipeline.Lab;
import io.replsentinel.pipeline.LabResource;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The service's own overload is told apart from the server's: while every poll thread of the node
 * is taken (here by tasks of the test's own, the service's lateness made real), the lab's real
 * MariaDB replica goes unpolled, the polls it misses are counted as shed
 * ({@code sentinel_polls_skipped_total{reason="late"}}) and none of them is reported as the
 * instance being unreachable; once threads are free it is polled, reachable, again.
 */
@QuarkusTest
@WithTestResource(value = KafkaBrokerResource.class, scope = TestResourceScope.GLOBAL)
@WithTestResource(value = LabResource.class, scope = TestResourceScope.GLOBAL)
class ServiceOverloadTest {

    private static final String STATUS_TOPIC = "mysql.replication.status";

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @ConfigProperty(name = "sentinel.poll.workers")
    int workers;

    @Inject
    PollScheduler scheduler;

    @Inject
    MeterRegistry registry;

    private double shed() {
        return registry.get("sentinel_polls_skipped_total").tag("reason", PollScheduler.SKIPPED_LATE).counter().count();
    }

    @Test
    void pollsTheServiceCannotMakeOnTime_areShedAndCounted_neverReportedAsTheInstanceUnreachable() {
        DbServer replica = Lab.mariadb().replicas().get(0);
        ExecutorService pool = scheduler.workers();
        try (KafkaTestClient kafka = KafkaTestClient.fromEnd(bootstrapServers, STATUS_TOPIC)) {
            kafka.awaitRecord(STATUS_TOPIC, r -> isReplica(r.value(), replica) && KafkaTestClient.json(r).path("reachable").asBoolean(),
                    Duration.ofSeconds(30));
            double shedBefore = shed();
            CountDownLatch release = new CountDownLatch(1);
            CountDownLatch taken = new CountDownLatch(workers);
            for (int i = 0; i < workers; i++) {
                pool.execute(() -> {
                    taken.countDown();
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
            }
            Instant released;
            try {
                await().atMost(Duration.ofSeconds(30)).until(() -> taken.getCount() == 0);
                // every thread taken: the instance's ticks find its poll still waiting for one
                await().atMost(Duration.ofSeconds(30)).until(() -> shed() >= shedBefore + 2);
            } finally {
                release.countDown();
                released = Instant.now();
            }
            Instant releasedAt = released;
            kafka.awaitRecord(STATUS_TOPIC, r -> isReplica(r.value(), replica)
                    && Instant.parse(KafkaTestClient.json(r).path("observedAt").asText()).isAfter(releasedAt)
                    && KafkaTestClient.json(r).path("reachable").asBoolean(), Duration.ofSeconds(30));
            List<JsonNode> unreachable = kafka.seen().stream().filter(r -> isReplica(r.value(), replica))
                    .map(KafkaTestClient::json).filter(s -> !s.path("reachable").asBoolean()).toList();
            assertThat(unreachable).isEmpty();
        }
    }

    private static boolean isReplica(String value, DbServer replica) {
        return value.contains("\"instance\":\"" + replica.id() + "\"") && value.contains("\"cluster\":\"" + Lab.MARIADB_CLUSTER + "\"");
    }
}
