package io.replsentinel.poll;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.replsentinel.inventory.Secret;
import io.replsentinel.inventory.WatchedInstance;
import io.replsentinel.kafka.KafkaBrokerResource;
import io.replsentinel.kafka.KafkaTestClient;
import io.replsentinel.lab.DbServer;
import io.replsentinel.lab.Topology;
import io.replsentinel.pipeline.Lab;
import io.replsentinel.pipeline.LabResource;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Instances watched and unwatched at runtime on the lab's real MariaDB replica: polled from the
 * moment they are watched, once per interval however often watch is called, and never again once
 * unwatched, their series gone. The runtime instance is reached as {@code localhost} so that its id
 * differs from the inventory's {@code 127.0.0.1} one and the start-up instances are left alone.
 */
@QuarkusTest
@WithTestResource(value = KafkaBrokerResource.class, scope = TestResourceScope.GLOBAL)
@WithTestResource(value = LabResource.class, scope = TestResourceScope.GLOBAL)
class RuntimeWatchTest {

    private static final String STATUS_TOPIC = "mysql.replication.status";
    private static final String CLUSTER = "runtime-watch";

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @Inject
    PollScheduler scheduler;

    private static WatchedInstance runtimeInstance() {
        DbServer replica = Lab.mariadb().replicas().get(0);
        return new WatchedInstance(CLUSTER, "localhost", replica.port(), Topology.MONITOR_USER,
                new Secret(Topology.MONITOR_PASSWORD), Optional.of("replica"), Map.of(), false);
    }

    private static boolean of(ConsumerRecord<String, String> r, WatchedInstance instance) {
        return r.key().equals(CLUSTER) && KafkaTestClient.json(r).path("instance").asText().equals(instance.id());
    }

    @Test
    void watchedAtRuntime_isPolledOncePerInterval_andUnwatched_isPolledNoMore() {
        WatchedInstance instance = runtimeInstance();
        try (KafkaTestClient kafka = KafkaTestClient.fromEnd(bootstrapServers, STATUS_TOPIC)) {
            scheduler.watch(instance);
            scheduler.watch(instance); // idempotent: the same poller goes on
            ConsumerRecord<String, String> first = kafka.awaitRecord(STATUS_TOPIC,
                    r -> of(r, instance) && KafkaTestClient.json(r).path("reachable").asBoolean(), Duration.ofSeconds(30));
            long firstSequence = KafkaTestClient.json(first).path("sequence").asLong();
            scheduler.watch(instance);
            // a few more polls of it: one sequence, each number once (a second poller would repeat them)
            kafka.awaitRecord(STATUS_TOPIC, r -> of(r, instance)
                    && KafkaTestClient.json(r).path("sequence").asLong() >= firstSequence + 3, Duration.ofSeconds(30));
            List<Long> sequences = kafka.seen().stream().filter(r -> of(r, instance))
                    .map(r -> KafkaTestClient.json(r).path("sequence").asLong()).toList();
            assertThat(sequences).doesNotHaveDuplicates();
            assertThat(scheduler.watched()).contains(instance.id());
            assertThat(metrics()).contains("mysql_instance_up{cluster=\"" + CLUSTER + "\",instance=\"" + instance.id() + "\"} 1.0");

            scheduler.unwatch(instance.id());
            scheduler.unwatch(instance.id()); // idempotent
            Instant unwatched = Instant.now();
            assertThat(scheduler.watched()).doesNotContain(instance.id());
            // the start-up instances go on; wait for two more of their polls past the unwatch
            DbServer sibling = Lab.mariadb().replicas().get(0);
            kafka.awaitRecord(STATUS_TOPIC, r -> KafkaTestClient.json(r).path("instance").asText().equals(sibling.id())
                    && Instant.parse(KafkaTestClient.json(r).path("observedAt").asText())
                    .isAfter(unwatched.plusSeconds(2)), Duration.ofSeconds(30));
            List<JsonNode> after = kafka.seen().stream().filter(r -> of(r, instance)).map(KafkaTestClient::json)
                    .filter(s -> Instant.parse(s.path("observedAt").asText()).isAfter(unwatched)).toList();
            assertThat(after).isEmpty();
            assertThat(metrics()).doesNotContain("instance=\"" + instance.id() + "\"");
        } finally {
            scheduler.unwatch(instance.id());
        }
    }

    @Test
    void watchingAnInstanceAgainWithOtherSettings_restartsItWithThem() {
        WatchedInstance instance = runtimeInstance();
        WatchedInstance relabelled = new WatchedInstance(CLUSTER, instance.host(), instance.port(), instance.user(),
                instance.password(), instance.expectedRole(), Map.of("zone", "moved"), false);
        try (KafkaTestClient kafka = KafkaTestClient.fromEnd(bootstrapServers, STATUS_TOPIC)) {
            scheduler.watch(instance);
            kafka.awaitRecord(STATUS_TOPIC, r -> of(r, instance), Duration.ofSeconds(30));
            scheduler.watch(relabelled);
            kafka.awaitRecord(STATUS_TOPIC, r -> of(r, instance)
                    && KafkaTestClient.json(r).path("labels").path("zone").asText().equals("moved"), Duration.ofSeconds(30));
        } finally {
            scheduler.unwatch(instance.id());
        }
    }

    private static String metrics() {
        return given().get("/q/metrics").then().statusCode(200).extract().asString();
    }
}
