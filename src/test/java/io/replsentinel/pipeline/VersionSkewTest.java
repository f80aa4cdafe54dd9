package io.replsentinel.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.replsentinel.kafka.KafkaBrokerResource;
import io.replsentinel.kafka.KafkaTestClient;
import io.replsentinel.lab.DbServer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two real MariaDB versions in one cluster ({@link Lab#SKEW_CLUSTER}): a 10.11 replica of an 11.8
 * source runs older than what it replicates, so ReplicationVersionSkew fires on it from the first
 * poll, and nothing else does.
 */
@QuarkusTest
@WithTestResource(value = KafkaBrokerResource.class, scope = TestResourceScope.GLOBAL)
@WithTestResource(value = LabResource.class, scope = TestResourceScope.GLOBAL)
class VersionSkewTest {

    private static final String VERSION_SKEW = "ReplicationVersionSkew";
    private static final Pattern NUMBER = Pattern.compile("(\\d+\\.\\d+\\.\\d+)");

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    private static String number(String version) {
        Matcher m = NUMBER.matcher(version);
        assertThat(m.find()).as(version).isTrue();
        return m.group(1);
    }

    @Test
    void replicaOlderThanItsSource_firesVersionSkewOnTheReplica_withBothVersions() throws Exception {
        DbServer source = Lab.skew().source();
        DbServer replica = Lab.skew().replicas().get(0);
        String sourceVersion = number(source.scalar("SELECT @@version"));
        String replicaVersion = number(replica.scalar("SELECT @@version"));
        assertThat(sourceVersion).startsWith("11.8.");
        assertThat(replicaVersion).startsWith("10.11.");

        // It fires right after the service starts, perhaps before this test: read the topic from its start.
        JsonNode alert;
        try (KafkaTestClient kafka = KafkaTestClient.fromBeginning(bootstrapServers, AlertWatch.TOPIC)) {
            alert = KafkaTestClient.json(kafka.awaitRecord(AlertWatch.TOPIC, r -> {
                JsonNode a = KafkaTestClient.json(r);
                return a.path("status").asText().equals("firing")
                        && a.path("labels").path("alertname").asText().equals(VERSION_SKEW)
                        && a.path("labels").path("cluster").asText().equals(Lab.SKEW_CLUSTER);
            }, AlertWatch.FIRE_TIMEOUT));
        }
        assertThat(FaultDetectionScenarios.labels(alert)).as(alert.toString()).isEqualTo(new TreeMap<>(Map.of(
                "alertname", VERSION_SKEW,
                "cluster", Lab.SKEW_CLUSTER,
                "instance", replica.id(),
                "severity", "warning",
                "channel", "",
                "zone", "zone-1")));
        JsonNode ev = alert.path("evidence");
        assertThat(ev.path("replicaVersion").asText()).as(ev.toString()).isEqualTo(replicaVersion);
        assertThat(ev.path("source").asText()).isEqualTo(source.id());
        assertThat(ev.path("sourceVersion").asText()).isEqualTo(sourceVersion);

        // The cluster view shows it firing, and it is the cluster's only alert.
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            JsonNode cluster = new ObjectMapper().readTree(
                    given().get("/api/clusters/" + Lab.SKEW_CLUSTER).then().statusCode(200).extract().asString());
            assertThat(cluster.path("primary").asText()).isEqualTo(source.id());
            JsonNode firing = cluster.path("firingAlerts");
            assertThat(firing).as(firing.toString()).hasSize(1);
            assertThat(firing.get(0).path("status").asText()).isEqualTo("firing");
            assertThat(firing.get(0).path("labels").path("alertname").asText()).isEqualTo(VERSION_SKEW);
            assertThat(firing.get(0).path("labels").path("instance").asText()).isEqualTo(replica.id());
        });
        List<Map<String, Object>> firing = given().queryParam("status", "firing").queryParam("cluster", Lab.SKEW_CLUSTER)
                .when().get("/api/alerts").then().statusCode(200).extract().jsonPath().getList("$");
        assertThat(firing).as("firing alerts of %s", Lab.SKEW_CLUSTER).hasSize(1);

        // The skew is a warning, not an outage: 10.11 does replicate from 11.8 here.
        Lab.skew().insert(1);
        Lab.skew().awaitReplicasCaughtUp(Duration.ofSeconds(30));
        Map<String, Object> status = replica.replicaStatus();
        assertThat(status.get("Slave_IO_Running")).as(status.toString()).isEqualTo("Yes");
        assertThat(status.get("Slave_SQL_Running")).as(status.toString()).isEqualTo("Yes");
    }
}
