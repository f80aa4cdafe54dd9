package io.replsentinel.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.replsentinel.event.Alert;
import io.replsentinel.fleet.ClusterOwnership;
import io.replsentinel.fleet.StatusPartitioner;
import io.replsentinel.kafka.KafkaBrokerResource;
import io.replsentinel.kafka.KafkaTestClient;
import io.replsentinel.rules.ClusterStates;
import io.replsentinel.rules.DetectorCatalogue;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The alert state follows the status partitions with the fleet shared (the default): other members
 * join the rules engine's consumer group, as other nodes would, until a partition holding a cluster
 * whose alert fires from the start (the version-skew cluster's {@code ReplicationVersionSkew}, the
 * hung instance's {@code InstanceUnreachable}) has moved to one of them. This node then stops polling
 * that cluster and forgets its alert state, while its API still shows the alert (any node answers for
 * the whole fleet, from the alert-state topic). Once the members leave, the partition comes back:
 * this node polls the cluster again under a newer group generation and restores the alert from the
 * alert-state topic with its first {@code startsAt}, and the alerts topic never carries the alert
 * again, neither a second {@code firing} nor a {@code resolved}.
 * <p>
 * The members assign as the service does (cooperative sticky), which gives a newcomer partitions
 * of its own choosing: so members join one at a time, up to one fewer than the partitions (the
 * service then keeps one), until one of the two alerts, on two different partitions, has moved.
 */
@QuarkusTest
@WithTestResource(value = KafkaBrokerResource.class, scope = TestResourceScope.GLOBAL)
@WithTestResource(value = LabResource.class, scope = TestResourceScope.GLOBAL)
class AlertStateRebalanceTest {

    private static final String STATUS = "mysql.replication.status";
    private static final String GROUP = "repl-sentinel-rules";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The clusters on every partition of the lab: each one's statuses must come back once the members leave. */
    private static final List<String> LAB_CLUSTERS = List.of(Lab.MYSQL_CLUSTER, Lab.MARIADB_CLUSTER, Lab.SKEW_CLUSTER,
            Lab.BLACKHOLE_CLUSTER);

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @Inject
    ClusterOwnership ownership;

    @Inject
    ClusterStates states;

    /** A cluster whose alert fires from the start, and that alert. */
    private record Candidate(String cluster, String alertname) {
    }

    @Test
    void statusPartitionMovingAwayAndBack_stopsItsPollsAndForgetsItsAlerts_thenRestoresThemWithTheirStartsAt() {
        int partitions = partitionsOf(STATUS);
        List<Candidate> candidates = List.of(new Candidate(Lab.SKEW_CLUSTER, DetectorCatalogue.REPLICATION_VERSION_SKEW),
                new Candidate(Lab.BLACKHOLE_CLUSTER, DetectorCatalogue.INSTANCE_UNREACHABLE));
        assertThat(candidates.stream().map(c -> StatusPartitioner.partition(c.cluster(), partitions)).distinct())
                .as("the two alerts' clusters on different status partitions: whichever one the service keeps, the other moves")
                .hasSize(2);
        Map<Candidate, Alert> before = new java.util.LinkedHashMap<>();
        for (Candidate c : candidates) {
            before.put(c, await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                    .until(() -> firingInEngine(c).orElse(null), a -> a != null));
        }

        List<KafkaConsumer<String, String>> members = new ArrayList<>();
        try (AlertWatch alerts = new AlertWatch(bootstrapServers);
             KafkaTestClient statuses = KafkaTestClient.fromEnd(bootstrapServers, STATUS)) {
            Map<String, Long> generationBefore = new java.util.HashMap<>();
            candidates.forEach(c -> generationBefore.put(c.cluster(), generationOfNextStatus(statuses, c.cluster())));
            long joined = System.nanoTime();
            Set<Integer> moved = new TreeSet<>();
            Candidate chosen = null;
            while (chosen == null && members.size() < partitions - 1) {
                KafkaConsumer<String, String> member = member(members.size());
                members.add(member);
                member.subscribe(List.of(STATUS));
                // cooperative: the service revokes in one rebalance, the newcomer is assigned in the next
                await().pollInSameThread().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(10))
                        .until(() -> pollAll(members).stream().allMatch(m -> !m.assignment().isEmpty()));
                moved.clear();
                members.forEach(m -> m.assignment().forEach(tp -> moved.add(tp.partition())));
                chosen = candidates.stream().filter(c -> moved.contains(StatusPartitioner.partition(c.cluster(), partitions)))
                        .findFirst().orElse(null);
            }
            assertThat(chosen).as("an alert's partition moved to another member (moved: %s)", moved).isNotNull();
            Candidate away = chosen;
            long assignedAway = System.nanoTime();
            Alert firing = before.get(away);

            // revoked: this node forgot the cluster's alert state, yet its API shows the alert, from the state topic
            await().pollInSameThread().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
                pollAll(members);
                assertThat(states.firing(away.cluster())).as("alerts this node evaluates for %s", away.cluster()).isEmpty();
                assertThat(firingInApi(firing.fingerprint())).as("the fleet-wide API").isPresent();
                // the view reads a partition it gave up from a little back: the instances' latest statuses are there at once
                assertThat(JSON.readTree(given().get("/api/clusters/" + away.cluster()).then().statusCode(200).extract().asString())
                        .path("instances").get(0).path("status").path("instance").asText())
                        .as("the latest status of %s, from the fleet view", away.cluster()).isNotEmpty();
            });
            long forgot = System.nanoTime();
            // and it polls the cluster no more (the pollers stop before the state is forgotten)
            Instant forgotten = Instant.now();
            long end = System.nanoTime() + Duration.ofSeconds(3).toNanos();
            while (System.nanoTime() < end) {
                pollAll(members);
                statuses.poll(Duration.ofMillis(200));
            }
            assertThat(statuses.seen().stream().filter(r -> r.key().equals(away.cluster()))
                    .filter(r -> Instant.parse(KafkaTestClient.json(r).path("observedAt").asText()).isAfter(forgotten)))
                    .as("statuses of %s polled while another member owns its partition", away.cluster()).isEmpty();

            int used = members.size();
            long leaving = System.nanoTime();
            members.forEach(KafkaConsumer::close);
            members.clear();
            long left = System.nanoTime();
            Instant back = Instant.now();
            // the partition came back: the alert is restored with its first startsAt, and the cluster polled again
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
                Alert restored = firingInEngine(away).orElse(null);
                assertThat(restored).as("%s firing again in this node's engine", away.alertname()).isNotNull();
                assertThat(restored.fingerprint()).isEqualTo(firing.fingerprint());
                assertThat(restored.startsAt()).isEqualTo(firing.startsAt());
            });
            long restored = System.nanoTime();
            System.out.printf("Partition move: %d member(s) took %s in %d ms, state forgotten %d ms later; members left in %d ms, "
                    + "%s restored %d ms after%n", used, moved, ms(joined, assignedAway),
                    ms(assignedAway, forgot), ms(leaving, left), away.alertname(), ms(left, restored));
            for (String cluster : LAB_CLUSTERS) {
                ConsumerRecord<String, String> again = statuses.awaitRecord(STATUS, r -> r.key().equals(cluster)
                        && Instant.parse(KafkaTestClient.json(r).path("observedAt").asText()).isAfter(back), Duration.ofSeconds(30));
                assertThat(KafkaTestClient.json(again).path("poller").path("node").asText()).isEqualTo(ownership.node());
            }
            // polled under the generation that gave the partition back: a late status of the member's time would lose
            ConsumerRecord<String, String> again = statuses.awaitRecord(STATUS, r -> r.key().equals(away.cluster())
                    && Instant.parse(KafkaTestClient.json(r).path("observedAt").asText()).isAfter(back), Duration.ofSeconds(30));
            assertThat(KafkaTestClient.json(again).path("poller").path("generation").asLong())
                    .isGreaterThan(generationBefore.get(away.cluster()));
            // a few polls after the restore: the alert was neither announced again nor resolved, from the move on
            assertThat(alerts.during(Duration.ofSeconds(3))).noneSatisfy(r -> assertThat(r.key()).isEqualTo(firing.fingerprint()));
        } finally {
            members.forEach(KafkaConsumer::close);
        }
    }

    private static long ms(long from, long to) {
        return (to - from) / 1_000_000;
    }

    /** Another member of the engine's group, assigning as the service does; never moves the engine's offsets. */
    private KafkaConsumer<String, String> member(int n) {
        return new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.GROUP_ID_CONFIG, GROUP,
                ConsumerConfig.CLIENT_ID_CONFIG, "rebalance-test-" + n,
                ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName(),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1),
                new StringDeserializer(), new StringDeserializer());
    }

    /** Lets every member take part in the group's rebalances (a member that does not poll cannot rejoin). */
    private static List<KafkaConsumer<String, String>> pollAll(List<KafkaConsumer<String, String>> members) {
        members.forEach(m -> m.poll(Duration.ofMillis(20)));
        return members;
    }

    /** The group generation carried by the next status of {@code cluster}: the one this node polls it under. */
    private static long generationOfNextStatus(KafkaTestClient statuses, String cluster) {
        ConsumerRecord<String, String> r = statuses.awaitRecord(STATUS, s -> s.key().equals(cluster), Duration.ofSeconds(30));
        long generation = KafkaTestClient.json(r).path("poller").path("generation").asLong();
        assertThat(generation).as("polls carry the group generation under which this node owns the cluster").isPositive();
        return generation;
    }

    private int partitionsOf(String topic) {
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrapServers), new StringDeserializer(), new StringDeserializer())) {
            return c.partitionsFor(topic).size();
        }
    }

    /** The candidate's alert as this node's engine holds it (the API answers from the fleet view instead). */
    private Optional<Alert> firingInEngine(Candidate c) {
        return states.firing(c.cluster()).stream().filter(a -> a.labels().get("alertname").equals(c.alertname())).findFirst();
    }

    private static Optional<JsonNode> firingInApi(String fingerprint) throws Exception {
        for (JsonNode a : JSON.readTree(given().get("/api/alerts?status=firing").then().statusCode(200).extract().asString())) {
            if (a.path("fingerprint").asText().equals(fingerprint)) {
                return Optional.of(a);
            }
        }
        return Optional.empty();
    }
}
