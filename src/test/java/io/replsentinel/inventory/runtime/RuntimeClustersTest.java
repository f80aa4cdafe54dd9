package io.replsentinel.inventory.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.replsentinel.api.auth.TestTokens;
import io.replsentinel.kafka.KafkaBrokerResource;
import io.replsentinel.kafka.KafkaTestClient;
import io.replsentinel.lab.AlertmanagerProcess;
import io.replsentinel.lab.LabCommand;
import io.replsentinel.lab.Topology;
import io.replsentinel.pipeline.Lab;
import io.replsentinel.pipeline.LabResource;
import io.replsentinel.rules.AlertTracker;
import io.replsentinel.rules.DetectorCatalogue;
import io.restassured.response.Response;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

/**
 * Clusters added and removed through the API, on a real MariaDB the configuration does not name:
 * added, its instance is polled and its status served; the definition is on the inventory topic for
 * any other consumer, keyed by cluster, with CloudEvents headers and the password sealed; removed,
 * its polling stops and a tombstone follows; malformed definitions and existing names are refused
 * with the field named.
 */
@QuarkusTest
@WithTestResource(value = KafkaBrokerResource.class, scope = TestResourceScope.GLOBAL)
@WithTestResource(value = LabResource.class, scope = TestResourceScope.GLOBAL)
class RuntimeClustersTest {

    private static final String INVENTORY = "mysql.replication.inventory";
    private static final String STATUS = "mysql.replication.status";
    private static final String ALERTS = "mysql.replication.alerts";
    private static final String ALERT_STATE = "mysql.replication.alert-state";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static Topology standalone;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @BeforeAll
    static void startAServerTheConfigurationDoesNotName() {
        standalone = Topology.mariadb(0);
    }

    @AfterAll
    static void stopIt() {
        if (standalone != null) {
            standalone.close();
        }
    }

    private static String definition(String name, String host, String port) {
        return """
                {"name": "%s", "user": "%s", "password": "%s", "binlog-listener": false,
                 "instances": [{"host": "%s", "port": %s, "role": "primary", "labels": {"zone": "z9"}}]}
                """.formatted(name, Topology.MONITOR_USER, Topology.MONITOR_PASSWORD, host, port);
    }

    private static Response post(String body) {
        return given().auth().oauth2(TestTokens.ADMIN).contentType("application/json").body(body).post("/api/clusters");
    }

    private static String clusterOf(ConsumerRecord<String, String> r) {
        return KafkaTestClient.json(r).path("cluster").asText();
    }

    @Test
    void clusterAddedAtRuntime_isPolled_isOnTheTopicForAnyConsumer_andRemovalStopsItsPolling() {
        String name = "runtime-" + System.nanoTime();
        String instance = standalone.source().host() + ":" + standalone.source().port();
        post(definition(name, standalone.source().host(), Integer.toString(standalone.source().port())))
                .then().statusCode(201);

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            JsonNode detail = JSON.readTree(given().get("/api/clusters/" + name).then().statusCode(200).extract().asString());
            JsonNode view = detail.path("instances").get(0);
            assertThat(view.path("instance").asText()).isEqualTo(instance);
            assertThat(view.path("labels").path("zone").asText()).isEqualTo("z9");
            assertThat(view.path("status").path("reachable").asBoolean()).isTrue();
            assertThat(view.path("status").path("flavor").asText()).isEqualTo("mariadb");
            assertThat(view.path("status").path("serverId").asLong()).isEqualTo(standalone.source().serverId());
        });
        assertThat(given().get("/api/clusters").asString()).contains("\"cluster\":\"" + name + "\"")
                .contains("\"source\":\"runtime\"").doesNotContain(Topology.MONITOR_PASSWORD);

        try (KafkaTestClient other = KafkaTestClient.fromBeginning(bootstrap, INVENTORY)) {
            ConsumerRecord<String, String> record = other.awaitRecord(INVENTORY, r -> name.equals(r.key()),
                    Duration.ofSeconds(15));
            assertThat(KafkaTestClient.header(record, "ce_type")).contains(InventoryTopic.CE_TYPE);
            assertThat(KafkaTestClient.header(record, "ce_specversion")).contains("1.0");
            assertThat(KafkaTestClient.header(record, "ce_source")).isPresent();
            assertThat(KafkaTestClient.header(record, "ce_time")).isPresent();
            assertThat(KafkaTestClient.header(record, "ce_id")).isPresent();
            assertThat(record.value()).doesNotContain(Topology.MONITOR_PASSWORD).contains("\"password-sealed\":\"aes-gcm:v1:");
            JsonNode value = KafkaTestClient.json(record);
            assertThat(value.path("addedBy").asText()).as("the admin token's principal").isEqualTo("admin");
            assertThat(value.path("instances").get(0).path("port").asInt()).isEqualTo(standalone.source().port());
        }

        given().auth().oauth2(TestTokens.ADMIN).delete("/api/clusters/" + name).then().statusCode(204);
        given().get("/api/clusters/" + name).then().statusCode(404);
        // its series go once its poller has stopped for good: from then on no status of it can be written
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(given().get("/q/metrics").asString())
                .doesNotContain("cluster=\"" + name + "\""));
        try (KafkaTestClient statuses = KafkaTestClient.fromEnd(bootstrap, STATUS)) {
            String configured = Lab.MARIADB_CLUSTER;
            // three polls of each of a configured cluster's instances: three of the removed one's intervals
            for (int polls = 1; polls <= 3; polls++) {
                long wanted = polls * 3L;
                statuses.awaitRecord(STATUS, r -> statuses.seen().stream()
                        .filter(s -> configured.equals(clusterOf(s))).count() >= wanted, Duration.ofSeconds(30));
            }
            assertThat(statuses.seen()).noneMatch(r -> name.equals(clusterOf(r)));
        }
        try (KafkaTestClient other = KafkaTestClient.fromBeginning(bootstrap, INVENTORY)) {
            ConsumerRecord<String, String> tombstone = other.awaitRecord(INVENTORY,
                    r -> name.equals(r.key()) && r.value() == null, Duration.ofSeconds(15));
            assertThat(KafkaTestClient.header(tombstone, "ce_type")).contains(InventoryTopic.CE_TYPE);
        }
    }

    @Test
    void removingACluster_resolvesItsFiringAlerts_onTheTopicAndInAlertmanager_andTombstonesItsAlertState() {
        String name = "retired-" + System.nanoTime();
        int refusing = LabCommand.freePort(); // nothing listens there: the instance is unreachable from its first poll
        String instance = "127.0.0.1:" + refusing;
        AlertmanagerProcess alertmanager = Lab.alertmanager();
        String fingerprint;
        try (KafkaTestClient alerts = KafkaTestClient.fromEnd(bootstrap, ALERTS)) {
            post(definition(name, "127.0.0.1", Integer.toString(refusing))).then().statusCode(201);
            JsonNode firing = KafkaTestClient.json(alerts.awaitRecord(ALERTS, r -> {
                JsonNode a = KafkaTestClient.json(r);
                return a.path("status").asText().equals("firing") && a.path("labels").path("cluster").asText().equals(name)
                        && a.path("labels").path("alertname").asText().equals(DetectorCatalogue.INSTANCE_UNREACHABLE);
            }, Duration.ofSeconds(60)));
            fingerprint = firing.path("fingerprint").asText();
            assertThat(firing.path("labels").path("instance").asText()).isEqualTo(instance);
            String inAlertmanager = AlertmanagerProcess.fingerprint(labels(firing));
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).until(() ->
                    alertmanager.alerts().stream().anyMatch(a -> inAlertmanager.equals(a.get("fingerprint")) && endsLater(a)));

            given().auth().oauth2(TestTokens.ADMIN).delete("/api/clusters/" + name).then().statusCode(204);

            // no status would ever clear it: it resolves because the cluster left, and says so
            ConsumerRecord<String, String> resolvedRecord = alerts.awaitRecord(ALERTS, r -> r.key().equals(fingerprint)
                    && KafkaTestClient.json(r).path("status").asText().equals("resolved"), Duration.ofSeconds(20));
            JsonNode resolved = KafkaTestClient.json(resolvedRecord);
            assertThat(resolved.path("annotations").path(AlertTracker.RETIRED).asText()).contains("no longer in the inventory");
            assertThat(resolved.path("startsAt").asText()).isEqualTo(firing.path("startsAt").asText());
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).until(() ->
                    alertmanager.alerts().stream().noneMatch(a -> inAlertmanager.equals(a.get("fingerprint")) && endsLater(a)));
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(JSON.readTree(given().get("/api/alerts").asString()))
                    .filteredOn(a -> a.path("fingerprint").asText().equals(fingerprint))
                    .extracting(a -> a.path("status").asText()).containsExactly("resolved"));
            // and it stays resolved: nothing of the cluster fires again (the test profile re-sends every 5 s)
            long end = System.nanoTime() + Duration.ofSeconds(6).toNanos();
            while (System.nanoTime() < end) {
                alerts.poll(Duration.ofMillis(500));
            }
            assertThat(alerts.seen()).noneMatch(r -> r.key().equals(fingerprint) && r.offset() > resolvedRecord.offset());
        }
        try (KafkaTestClient state = KafkaTestClient.fromBeginning(bootstrap, ALERT_STATE)) {
            state.awaitRecord(ALERT_STATE, r -> name.equals(r.key()) && r.value() == null, Duration.ofSeconds(20));
        }
    }

    private static TreeMap<String, String> labels(JsonNode alert) {
        TreeMap<String, String> labels = new TreeMap<>();
        alert.path("labels").fields().forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
        return labels;
    }

    /** Alertmanager holds an alert as firing while its {@code endsAt} is ahead. */
    private static boolean endsLater(Map<String, Object> alert) {
        Object endsAt = alert.get("endsAt");
        return endsAt == null || Instant.parse(endsAt.toString()).isAfter(Instant.now());
    }

    @Test
    void malformedDefinition_answers400NamingTheField_withoutQuotingThePassword() {
        Map<String, String> badToField = new LinkedHashMap<>();
        badToField.put(definition("bad-port", "127.0.0.1", "\"33o6\""), "instances[0].port");
        badToField.put(definition("bad-port-range", "127.0.0.1", "70000"), "instances[0].port");
        badToField.put(definition("bad-host", "no such host", "3306"), "instances[0].host");
        badToField.put(definition("bad name", "127.0.0.1", "3306"), "name");
        badToField.put(definition("bad-role", "127.0.0.1", "3306").replace("\"primary\"", "\"leader\""), "instances[0].role");
        badToField.put(definition("bad-typo", "127.0.0.1", "3306").replace("\"password\"", "\"pasword\""), "pasword");
        badToField.put(definition("bad-user", "127.0.0.1", "3306").replace("\"user\": \"" + Topology.MONITOR_USER + "\",", ""),
                "user");
        badToField.put("""
                {"name": "bad-instances", "user": "u", "password": "%s", "instances": []}""".formatted(Topology.MONITOR_PASSWORD),
                "instances");
        badToField.forEach((body, field) -> {
            String answer = post(body).then().statusCode(400).extract().asString();
            assertThat(answer).as(body).contains("\"field\":\"" + field + "\"").doesNotContain(Topology.MONITOR_PASSWORD);
        });
        assertThat(given().get("/api/clusters").asString()).doesNotContain("bad-").doesNotContain("bad name");
    }

    @Test
    void instanceWatchedInAnotherCluster_answers400NamingTheInstance() throws Exception {
        String lab = Lab.MARIADB_CLUSTER;
        JsonNode first = JSON.readTree(given().get("/api/clusters/" + lab).asString()).path("instances").get(0);
        String[] hostPort = first.path("instance").asText().split(":");
        post(definition("twin-of-lab", hostPort[0], hostPort[1])).then().statusCode(400)
                .body("field", equalTo("instances[0]"))
                .body("error", containsString("cluster " + lab));
    }

    @Test
    void existingName_answers409_andAConfiguredClusterCannotBeDeleted() {
        post(definition(Lab.MYSQL_CLUSTER, "10.0.0.99", "3306")).then().statusCode(409);
        given().auth().oauth2(TestTokens.ADMIN).delete("/api/clusters/" + Lab.MYSQL_CLUSTER).then().statusCode(409)
                .body("error", containsString("configuration"));
        assertThat(given().get("/api/clusters").jsonPath().getList("cluster")).contains(Lab.MYSQL_CLUSTER);
    }
}
