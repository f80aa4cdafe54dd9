package io.replsentinel.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.replsentinel.kafka.KafkaBrokerResource;
import io.replsentinel.kafka.KafkaTestClient;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.utils.Utils;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The alert state follows the status partitions, not only start-up: a second member joins the
 * rules engine's consumer group and takes the partition of the version-skew cluster (whose alert
 * fires from the start), the service forgets that cluster's alerts, and once the member leaves it
 * restores them from the alert-state topic with their first {@code startsAt} and fires nothing again.
 */
@QuarkusTest
@WithTestResource(value = KafkaBrokerResource.class, scope = TestResourceScope.GLOBAL)
@WithTestResource(value = LabResource.class, scope = TestResourceScope.GLOBAL)
class AlertStateRebalanceTest {

    private static final String STATUS = "mysql.replication.status";
    private static final String GROUP = "repl-sentinel-rules";
    private static final String SKEW = "ReplicationVersionSkew";
    private static final ObjectMapper JSON = new ObjectMapper();

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @Test
    void statusPartitionMovingAwayAndBack_forgetsItsClustersThenRestoresTheirAlertsWithTheirStartsAt() throws Exception {
        JsonNode before = awaitSkewFiring();
        String fingerprint = before.path("fingerprint").asText();
        int partitions = partitionsOf(STATUS);
        int skewPartition = partition(Lab.SKEW_CLUSTER, partitions);
        Set<String> moving = Set.of(Lab.MYSQL_CLUSTER, Lab.MARIADB_CLUSTER, Lab.SKEW_CLUSTER, Lab.BLACKHOLE_CLUSTER).stream()
                .filter(c -> partition(c, partitions) == skewPartition).collect(Collectors.toSet());

        try (AlertWatch alerts = new AlertWatch(bootstrapServers)) {
            try (KafkaConsumer<String, String> other = member(skewPartition, partitions)) {
                other.subscribe(List.of(STATUS));
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(10)).until(() -> {
                    other.poll(Duration.ofMillis(200));
                    return other.assignment().contains(new TopicPartition(STATUS, skewPartition));
                });
                await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
                    other.poll(Duration.ofMillis(50));
                    JsonNode firing = firing();
                    for (JsonNode a : firing) {
                        assertThat(moving).as("clusters of a partition another member owns").doesNotContain(a.path("labels").path("cluster").asText());
                    }
                    assertThat(given().get("/api/clusters/" + Lab.SKEW_CLUSTER).then().extract().path("firingAlerts").toString())
                            .isEqualTo("[]");
                });
            }
            // the member left: the partition comes back, with its clusters' state from the alert-state topic
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
                JsonNode after = skewFiring();
                assertThat(after).as("ReplicationVersionSkew firing again in the API").isNotNull();
                assertThat(after.path("fingerprint").asText()).isEqualTo(fingerprint);
                assertThat(after.path("startsAt").asText()).isEqualTo(before.path("startsAt").asText());
            });
            // a few polls after the restore: nothing fired again
            assertThat(alerts.during(Duration.ofSeconds(3))).noneSatisfy(r -> {
                assertThat(r.key()).isEqualTo(fingerprint);
                assertThat(KafkaTestClient.json(r).path("status").asText()).isEqualTo("firing");
            });
        }
    }

    /**
     * A member of the engine's group that the range assignor gives the skew cluster's partition:
     * members are ordered by id, and ids start with the client id, so a first one takes the first
     * partitions and a last one the last.
     */
    private KafkaConsumer<String, String> member(int wanted, int partitions) {
        int firstShare = (partitions + 1) / 2;
        return new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.GROUP_ID_CONFIG, GROUP,
                ConsumerConfig.CLIENT_ID_CONFIG, wanted < firstShare ? "aaa-rebalance-test" : "zzz-rebalance-test",
                // never moves the engine's offsets: it reads nothing the engine then misses
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1),
                new StringDeserializer(), new StringDeserializer());
    }

    private int partitionsOf(String topic) {
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrapServers), new StringDeserializer(), new StringDeserializer())) {
            return c.partitionsFor(topic).size();
        }
    }

    /** Where the producer's default partitioner puts a record keyed by this cluster. */
    private static int partition(String cluster, int partitions) {
        return Utils.toPositive(Utils.murmur2(cluster.getBytes(StandardCharsets.UTF_8))) % partitions;
    }

    private static JsonNode awaitSkewFiring() {
        JsonNode[] found = new JsonNode[1];
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> (found[0] = skewFiring()) != null);
        return found[0];
    }

    private static JsonNode skewFiring() throws Exception {
        for (JsonNode a : firing()) {
            if (a.path("labels").path("alertname").asText().equals(SKEW)
                    && a.path("labels").path("cluster").asText().equals(Lab.SKEW_CLUSTER)) {
                return a;
            }
        }
        return null;
    }

    private static JsonNode firing() throws Exception {
        return JSON.readTree(given().get("/api/alerts?status=firing").then().statusCode(200).extract().asString());
    }
}
