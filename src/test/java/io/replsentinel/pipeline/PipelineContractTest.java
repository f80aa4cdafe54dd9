package io.replsentinel.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.replsentinel.event.ReplicationStatus;
import io.replsentinel.event.SchemaCheck;
import io.replsentinel.fuzz.BrokenRecords;
import io.replsentinel.kafka.KafkaBrokerResource;
import io.replsentinel.kafka.KafkaTestClient;
import io.replsentinel.lab.DbServer;
import io.replsentinel.lab.Topology;
import io.replsentinel.rules.MalformedRecordException;
import io.replsentinel.rules.StatusReaders;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Stream;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What the pipeline promises whatever the fault: events that match the shipped schemas with
 * CloudEvents headers, a hung instance that delays nobody, malformed records dead-lettered without
 * stopping the engine, the contract's metric names, and no password anywhere.
 */
@QuarkusTest
@WithTestResource(value = KafkaBrokerResource.class, scope = TestResourceScope.GLOBAL)
@WithTestResource(value = LabResource.class, scope = TestResourceScope.GLOBAL)
class PipelineContractTest {

    private static final String STATUS_TOPIC = "mysql.replication.status";
    private static final String DLQ_TOPIC = "mysql.replication.dlq";

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @Inject
    ObjectMapper json;

    private List<ConsumerRecord<String, String>> statusesFor(Duration window) {
        try (KafkaTestClient kafka = KafkaTestClient.fromEnd(bootstrapServers, STATUS_TOPIC)) {
            List<ConsumerRecord<String, String>> records = new ArrayList<>();
            long end = System.nanoTime() + window.toNanos();
            while (System.nanoTime() < end) {
                records.addAll(kafka.poll(Duration.ofMillis(200)));
            }
            return records;
        }
    }

    @Test
    void statusEventsOfBothFlavors_matchTheSchemaWithCloudEventsHeadersKeyedByCluster() {
        List<ConsumerRecord<String, String>> records = statusesFor(Duration.ofSeconds(3));
        Map<String, JsonNode> latest = new HashMap<>();
        Set<UUID> ids = new HashSet<>();
        for (ConsumerRecord<String, String> r : records) {
            assertThat(SchemaCheck.violations(SchemaCheck.STATUS, r.value())).as(r.value()).isEmpty();
            JsonNode s = KafkaTestClient.json(r);
            assertThat(r.key()).isEqualTo(s.path("cluster").asText());
            assertThat(KafkaTestClient.header(r, "ce_type")).contains("io.replsentinel.replication.status.v1");
            assertThat(KafkaTestClient.header(r, "ce_specversion")).contains("1.0");
            assertThat(KafkaTestClient.header(r, "ce_source")).contains("urn:repl-sentinel");
            assertThat(KafkaTestClient.header(r, "ce_subject")).contains(s.path("instance").asText());
            assertThat(KafkaTestClient.header(r, "content-type")).contains("application/json");
            assertThat(ids.add(UUID.fromString(KafkaTestClient.header(r, "ce_id").orElseThrow()))).as("ce_id unique").isTrue();
            OffsetDateTime time = OffsetDateTime.parse(KafkaTestClient.header(r, "ce_time").orElseThrow());
            assertThat(time.getOffset()).isEqualTo(ZoneOffset.UTC);
            assertThat(Duration.between(time.toInstant(), Instant.ofEpochMilli(r.timestamp())).abs())
                    .as("ce_time is when the record was written").isLessThan(Duration.ofSeconds(5));
            assertThat(KafkaTestClient.header(r, "ce_datacontenttype")).contains("application/json");
            assertThat(r.headers().toArray()).extracting(h -> h.key()).as("the CloudEvents headers, as the connector writes them")
                    .containsExactly("ce_specversion", "ce_id", "ce_type", "ce_source", "ce_subject", "ce_datacontenttype",
                            "content-type", "ce_time");
            latest.put(s.path("instance").asText(), s);
        }
        JsonNode mysqlReplica = latest.get(Lab.mysql().replicas().get(0).id());
        assertThat(mysqlReplica.path("flavor").asText()).isEqualTo("mysql");
        assertThat(mysqlReplica.path("version").asText()).startsWith("9.7.");
        assertThat(mysqlReplica.path("serverUuid").asText()).isNotEmpty();
        assertThat(mysqlReplica.path("channels").get(0).path("sourcePort").asInt()).isEqualTo(Lab.mysql().source().port());
        assertThat(mysqlReplica.path("gtidExecuted").asText()).doesNotContain("\n");
        JsonNode mysqlSource = latest.get(Lab.mysql().source().id());
        assertThat(mysqlSource.path("replicas")).hasSize(2);
        JsonNode mariaReplica = latest.get(Lab.mariadb().replicas().get(0).id());
        assertThat(mariaReplica.path("flavor").asText()).isEqualTo("mariadb");
        assertThat(mariaReplica.path("version").asText()).startsWith("10.11.");
        assertThat(mariaReplica.path("channels").get(0).path("autoPosition").asBoolean()).isTrue();
        assertThat(mariaReplica.path("readOnly").asBoolean()).isTrue();
    }

    @Test
    void hungInstance_reportsTimeoutWhileEveryOtherInstanceKeepsItsPollRhythm() {
        List<ConsumerRecord<String, String>> records = statusesFor(Duration.ofSeconds(10));
        Map<String, List<Instant>> seen = new HashMap<>();
        List<JsonNode> hung = new ArrayList<>();
        for (ConsumerRecord<String, String> r : records) {
            JsonNode s = KafkaTestClient.json(r);
            if (s.path("instance").asText().equals(Lab.blackhole().id())) {
                hung.add(s);
            } else {
                seen.computeIfAbsent(s.path("instance").asText(), k -> new ArrayList<>())
                        .add(Instant.parse(s.path("observedAt").asText()));
            }
        }
        assertThat(hung).isNotEmpty().allSatisfy(s -> {
            assertThat(s.path("reachable").asBoolean()).isFalse();
            assertThat(s.path("error").path("class").asText()).isEqualTo("timeout");
        });
        List<String> healthy = Stream.concat(Lab.mysql().all().stream(), Lab.mariadb().all().stream())
                .map(DbServer::id).toList();
        for (String instance : healthy) {
            List<Instant> times = seen.get(instance);
            assertThat(times).as("statuses of %s in 10 s", instance).hasSizeGreaterThanOrEqualTo(8);
            for (int i = 1; i < times.size(); i++) {
                // the hung poll takes sentinel.poll.timeout (4 s in tests): a stall behind it would show here
                assertThat(Duration.between(times.get(i - 1), times.get(i))).as("gap in %s's polls", instance)
                        .isLessThan(Duration.ofMillis(3000));
            }
        }
        assertThat(Lab.blackhole().connectionsAccepted()).isPositive();
    }

    @Test
    void hungInstance_firesInstanceUnreachableWithCauseTimeout() {
        try (KafkaTestClient kafka = KafkaTestClient.fromBeginning(bootstrapServers, AlertWatch.TOPIC)) {
            ConsumerRecord<String, String> r = kafka.awaitRecord(AlertWatch.TOPIC, rec -> {
                JsonNode a = KafkaTestClient.json(rec);
                return a.path("labels").path("instance").asText().equals(Lab.blackhole().id())
                        && a.path("status").asText().equals("firing");
            }, Duration.ofSeconds(60));
            JsonNode alert = KafkaTestClient.json(r);
            assertThat(FaultDetectionScenarios.labels(alert)).containsEntry("alertname", "InstanceUnreachable")
                    .containsEntry("cause", "timeout").containsEntry("cluster", Lab.BLACKHOLE_CLUSTER)
                    .containsEntry("severity", "critical");
            assertThat(SchemaCheck.violations(SchemaCheck.ALERT, r.value())).isEmpty();
        }
    }

    @Test
    void malformedStatusRecord_goesToTheDlqWithItsReason_andProcessingContinues() {
        String probe = "dlq-probe-" + System.nanoTime();
        long sequenceBefore = latestSequence(Lab.MARIADB_CLUSTER);
        try (KafkaTestClient kafka = KafkaTestClient.fromEnd(bootstrapServers, DLQ_TOPIC, AlertWatch.TOPIC)) {
            kafka.send(STATUS_TOPIC, probe, "{this is not json");
            kafka.send(STATUS_TOPIC, probe, "{\"schemaVersion\":1,\"instance\":\"x:1\",\"observedAt\":\"2026-11-26T00:00:00Z\",\"reachable\":true}");
            kafka.send(STATUS_TOPIC, probe, "{\"schemaVersion\":1,\"cluster\":\"" + probe + "\",\"instance\":\"db9:3306\","
                    + "\"observedAt\":\"" + Instant.now() + "\",\"pollMillis\":1,\"reachable\":false,"
                    + "\"error\":{\"class\":\"refused\",\"message\":\"Connection refused\"}}");

            ConsumerRecord<String, String> notJson = kafka.awaitRecord(DLQ_TOPIC, r -> r.value().equals("{this is not json"),
                    Duration.ofSeconds(30));
            assertThat(notJson.key()).isEqualTo(probe);
            assertThat(KafkaTestClient.header(notJson, "dead-letter-reason")).hasValueSatisfying(v -> assertThat(v).startsWith("invalid_json"));
            ConsumerRecord<String, String> noCluster = kafka.awaitRecord(DLQ_TOPIC, r -> r.value().contains("\"x:1\""),
                    Duration.ofSeconds(30));
            assertThat(KafkaTestClient.header(noCluster, "dead-letter-reason")).hasValueSatisfying(v -> assertThat(v).contains("'cluster'"));

            // a well-formed status of a cluster the inventory does not have: dead-lettered, no state kept for it
            ConsumerRecord<String, String> unknown = kafka.awaitRecord(DLQ_TOPIC, r -> r.value().contains("\"" + probe + "\""),
                    Duration.ofSeconds(30));
            assertThat(KafkaTestClient.header(unknown, "dead-letter-reason")).hasValueSatisfying(v -> assertThat(v).startsWith("unknown_cluster"));
            // and the lab's own statuses keep being evaluated
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                    assertThat(latestSequence(Lab.MARIADB_CLUSTER)).isGreaterThan(sequenceBefore + 1));
            assertThat(kafka.seen().stream().filter(r -> r.topic().equals(AlertWatch.TOPIC))
                    .filter(r -> KafkaTestClient.json(r).path("labels").path("cluster").asText().equals(probe))).isEmpty();
        }
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertThat(metrics).containsPattern("sentinel_events_dead_lettered_total\\{reason=\"unknown_cluster\",topic=\"mysql.replication.status\"} [1-9]");
        assertThat(metrics).containsPattern("sentinel_events_dead_lettered_total\\{reason=\"invalid_json\",topic=\"mysql.replication.status\"} [1-9]");
        assertThat(metrics).containsPattern("sentinel_events_dead_lettered_total\\{reason=\"missing_field\",topic=\"mysql.replication.status\"} [1-9]");
    }

    /** The highest poll sequence among the engine's latest statuses of {@code cluster}. */
    private static long latestSequence(String cluster) {
        JsonNode detail = given().get("/api/clusters/" + cluster).then().statusCode(200).extract().as(JsonNode.class);
        long max = 0;
        for (JsonNode i : detail.path("instances")) {
            max = Math.max(max, i.path("status").path("sequence").asLong());
        }
        return max;
    }

    @Test
    void brokenStatusRecords_areEachDeadLetteredWithTheirReason_andTheEngineKeepsProcessing() throws Exception {
        String probe = "broken-probe-" + System.nanoTime();
        // seeds: what the pollers publish right now, moved to the probe's cluster so nothing lands on the lab's
        List<String> seeds = new ArrayList<>();
        for (ConsumerRecord<String, String> r : statusesFor(Duration.ofSeconds(2))) {
            ObjectNode status = (ObjectNode) json.readTree(r.value());
            seeds.add(status.put("cluster", probe).toString());
        }
        assertThat(seeds).isNotEmpty();
        // the sample: broken variants of those records the engine's own reader (the service's mapper) rejects,
        // each with its reason (the open-ended search for bad records is StatusReaderFuzzTest's, with Jazzer)
        Function<String, ReplicationStatus> reader = StatusReaders.reader(json);
        List<String> sample = new ArrayList<>();
        List<String> reasons = new ArrayList<>();
        for (String seed : seeds) {
            for (String candidate : BrokenRecords.of(seed)) {
                if (sample.size() == 40 || sample.contains(candidate)) {
                    continue;
                }
                try {
                    reader.apply(candidate);
                } catch (MalformedRecordException e) {
                    sample.add(candidate);
                    reasons.add(e.reason());
                }
            }
        }
        assertThat(sample).hasSizeGreaterThanOrEqualTo(BrokenRecords.of(seeds.get(0)).size());
        assertThat(reasons).contains("invalid_json", "missing_field", "invalid_field", "unsupported_schema_version");

        try (KafkaTestClient kafka = KafkaTestClient.fromEnd(bootstrapServers, DLQ_TOPIC, AlertWatch.TOPIC)) {
            for (String record : sample) {
                kafka.send(STATUS_TOPIC, probe, record);
            }

            for (int i = 0; i < sample.size(); i++) {
                String record = sample.get(i);
                long sent = sample.stream().filter(record::equals).count();
                ConsumerRecord<String, String> dead = kafka.awaitRecord(DLQ_TOPIC,
                        r -> probe.equals(r.key()) && r.value().equals(record), Duration.ofSeconds(30));
                assertThat(KafkaTestClient.header(dead, "dead-letter-reason")).as("reason of %s", record)
                        .hasValueSatisfying(v -> assertThat(v).startsWith(reasons.get(sample.indexOf(record))));
                assertThat(kafka.seen().stream().filter(r -> r.topic().equals(DLQ_TOPIC) && probe.equals(r.key())
                        && r.value().equals(record)).count()).as("dead letters of %s", record).isLessThanOrEqualTo(sent);
            }
            // and the lab's own statuses keep being evaluated after them
            long sequenceAfterDeadLetters = latestSequence(Lab.MARIADB_CLUSTER);
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                    assertThat(latestSequence(Lab.MARIADB_CLUSTER)).isGreaterThan(sequenceAfterDeadLetters + 1));
            assertThat(kafka.seen().stream().filter(r -> r.topic().equals(DLQ_TOPIC) && probe.equals(r.key())).count())
                    .as("every broken record dead-lettered once").isEqualTo(sample.size());
            assertThat(kafka.seen()).as("no broken record raised an alert").noneMatch(r -> r.topic().equals(AlertWatch.TOPIC)
                    && KafkaTestClient.json(r).path("labels").path("cluster").asText().equals(probe));
        }
    }

    @Test
    void metrics_exportTheContractSeriesForEveryInstance() {
        DbServer replica = Lab.mariadb().replicas().get(0);
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
            String inst = "cluster=\"" + Lab.MARIADB_CLUSTER + "\",instance=\"" + replica.id() + "\"";
            assertThat(metrics).contains("mysql_instance_up{" + inst + "} 1.0");
            assertThat(metrics).contains("mysql_replication_io_thread_running{channel=\"\"," + inst + "} 1.0");
            assertThat(metrics).contains("mysql_replication_sql_thread_running{channel=\"\"," + inst + "} 1.0");
            assertThat(metrics).contains("mysql_replication_configured{channel=\"\"," + inst + "} 1.0");
            assertThat(metrics).contains("mysql_replication_io_thread_connecting{channel=\"\"," + inst + "} 0.0");
            assertThat(metrics).contains("mysql_replication_last_io_errno{channel=\"\"," + inst + "}");
            assertThat(metrics).contains("mysql_replication_last_sql_errno{channel=\"\"," + inst + "}");
            assertThat(metrics).contains("mysql_replication_lag_seconds{channel=\"\"," + inst + "}");
            assertThat(metrics).containsPattern("mysql_instance_info\\{cluster=\"" + Lab.MARIADB_CLUSTER
                    + "\",flavor=\"mariadb\",instance=\"" + replica.id().replace(".", "\\.")
                    + "\",role=\"replica\",server_id=\"\\d+\",server_uuid=\"\",version=\"10\\.11\\.\\d+\"} 1\\.0");
            assertThat(metrics).contains("mysql_instance_up{cluster=\"" + Lab.BLACKHOLE_CLUSTER + "\",instance=\"" + Lab.blackhole().id() + "\"} 0.0");
            // one histogram for the node: per-instance ones only with sentinel.poll.per-instance-histograms
            assertThat(metrics).contains("sentinel_poll_duration_seconds_bucket{le=");
            assertThat(metrics).doesNotContain("sentinel_poll_duration_seconds_bucket{cluster=");
            assertThat(metrics).contains("sentinel_polls_skipped_total{reason=\"late\"}");
            assertThat(metrics).contains("sentinel_poll_start_delay_seconds_bucket{le=");
            assertThat(metrics).containsPattern("sentinel_events_published_total\\{topic=\"mysql.replication.status\"} [1-9]");
            assertThat(metrics).containsPattern("sentinel_events_consumed_total\\{topic=\"mysql.replication.status\"} [1-9]");
            assertThat(metrics).contains("sentinel_alerts_firing{alertname=\"InstanceUnreachable\",severity=\"critical\"}");
            assertThat(metrics).contains("sentinel_detection_latency_seconds_bucket");
        });
    }

    @Test
    void monitorPassword_appearsInNoEventAlertMetricOrApiAnswer() {
        String secret = Topology.MONITOR_PASSWORD;
        List<ConsumerRecord<String, String>> records = statusesFor(Duration.ofSeconds(2));
        assertThat(records).isNotEmpty().noneMatch(r -> r.value().contains(secret));
        try (KafkaTestClient kafka = KafkaTestClient.fromBeginning(bootstrapServers, AlertWatch.TOPIC)) {
            assertThat(kafka.poll(Duration.ofSeconds(2))).noneMatch(r -> r.value().contains(secret));
        }
        for (String path : List.of("/q/metrics", "/api/alerts", "/api/clusters", "/api/clusters/" + Lab.MYSQL_CLUSTER)) {
            assertThat(given().get(path).then().statusCode(200).extract().asString()).as(path).doesNotContain(secret);
        }
    }

    @Test
    void heartbeat_givesMysqlReplicasTheirTrueLagInMilliseconds() {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            Map<String, JsonNode> latest = new HashMap<>();
            for (ConsumerRecord<String, String> r : statusesFor(Duration.ofSeconds(2))) {
                JsonNode s = KafkaTestClient.json(r);
                latest.put(s.path("instance").asText(), s);
            }
            for (DbServer replica : Lab.mysql().replicas()) {
                JsonNode s = latest.get(replica.id());
                assertThat(s.path("heartbeatLagMillis").isIntegralNumber()).as("heartbeat lag of %s", replica.id()).isTrue();
                assertThat(s.path("heartbeatLagMillis").asLong()).isBetween(0L, 5_000L);
            }
            assertThat(latest.get(Lab.mysql().source().id()).path("heartbeatLagMillis").isNull()).isTrue();
            assertThat(latest.get(Lab.mariadb().replicas().get(0).id()).path("heartbeatLagMillis").isNull())
                    .as("the MariaDB cluster runs without heartbeat").isTrue();
        });
        assertThat(Lab.mysql().replicas().get(0).scalar("SELECT COUNT(*) FROM " + Lab.HEARTBEAT_SCHEMA + ".heartbeat"))
                .isEqualTo("1");
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertThat(metrics).contains("mysql_replication_heartbeat_lag_seconds{channel=\"\",cluster=\"" + Lab.MYSQL_CLUSTER
                + "\",instance=\"" + Lab.mysql().replicas().get(0).id() + "\"}");
    }

    @Test
    void clusterApi_showsInstancesWithObservedRolesAndLatestStatus() {
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            JsonNode cluster = new ObjectMapper().readTree(
                    given().get("/api/clusters/" + Lab.MYSQL_CLUSTER).then().statusCode(200).extract().asString());
            assertThat(cluster.path("instances")).hasSize(3);
            assertThat(cluster.path("instances").get(0).path("observedRole").asText()).isEqualTo("primary");
            assertThat(cluster.path("instances").get(1).path("observedRole").asText()).isEqualTo("replica");
            assertThat(cluster.path("instances").get(1).path("status").path("reachable").asBoolean()).isTrue();
            assertThat(cluster.path("primary").asText()).isEqualTo(Lab.mysql().source().id());
            assertThat(cluster.path("edges")).hasSize(2).allSatisfy(e -> {
                assertThat(e.path("source").asText()).isEqualTo(Lab.mysql().source().id());
                assertThat(e.path("inCluster").asBoolean()).isTrue();
                assertThat(e.path("channel").asText()).isEmpty();
            });
            assertThat(cluster.path("firingAlerts").isArray()).isTrue();
        });
        given().get("/api/clusters/no-such-cluster").then().statusCode(404);
    }
}
