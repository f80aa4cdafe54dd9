package io.replsentinel.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.replsentinel.event.Alert;
import io.replsentinel.kafka.KafkaBrokerResource;
import io.replsentinel.kafka.KafkaTestClient;
import io.replsentinel.pipeline.Lab;
import io.replsentinel.pipeline.LabResource;
import io.replsentinel.rules.ClusterStates;
import io.replsentinel.rules.DetectorCatalogue;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The fleet-wide read model on the lab's real servers and the test broker, the fleet shared (the
 * default) with this node alone in its group, so owning every status partition: it reads none of
 * them (its own engine answers for its clusters), while it follows the whole alert-state topic, in
 * which a firing alert's evidence is written again as it changes, at most every
 * {@code sentinel.fleet.evidence-refresh} (10 s): what another node's API shows of the blackhole
 * instance's {@code InstanceUnreachable} (its {@code pollMillis} differs from poll to poll) is the
 * owner's evidence of seconds ago, not of the alert's first poll.
 */
@QuarkusTest
@WithTestResource(value = KafkaBrokerResource.class, scope = TestResourceScope.GLOBAL)
@WithTestResource(value = LabResource.class, scope = TestResourceScope.GLOBAL)
class FleetViewTest {

    private static final String STATUS = "mysql.replication.status";
    /** The refresh's default; consecutive refreshes are timed by the broker, the limit by this JVM's clock: half of it is ample. */
    private static final Duration REFRESH = Duration.ofSeconds(10);

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @ConfigProperty(name = "sentinel.topics.alert-state")
    String alertStateTopic;

    @Inject
    FleetView view;

    @Inject
    ClusterOwnership ownership;

    @Inject
    ClusterStates states;

    @Test
    void aNodeOwningEveryStatusPartition_readsNoStatusIntoItsView() {
        int partitions = partitionsOf();
        await().atMost(Duration.ofSeconds(60)).until(() -> ownership.ownedPartitions().size() == partitions);
        long kept = view.statusesKept();
        try (KafkaTestClient statuses = KafkaTestClient.fromEnd(bootstrapServers, STATUS)) {
            // statuses of every lab cluster flow meanwhile
            for (String cluster : List.of(Lab.MYSQL_CLUSTER, Lab.MARIADB_CLUSTER, Lab.BLACKHOLE_CLUSTER)) {
                statuses.awaitRecord(STATUS, r -> r.key().equals(cluster), Duration.ofSeconds(30));
            }
        }
        assertThat(ownership.ownedPartitions()).as("still this node's").hasSize(partitions);
        assertThat(view.statusesKept()).as("status records the view kept while this node owned every partition")
                .isEqualTo(kept);
        assertThat(view.answersFor(Lab.BLACKHOLE_CLUSTER)).as("answered from this node's engine").isFalse();
    }

    @Test
    void firingAlertsEvidence_isWrittenAgainAsItChanges_atMostEveryRefresh_andTheViewShowsTheLatest() {
        Alert firing = await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(this::unreachableInEngine, Optional::isPresent).orElseThrow();
        try (KafkaTestClient topic = KafkaTestClient.fromBeginning(bootstrapServers, alertStateTopic)) {
            // the alert as first written, then a write that carries other evidence of the same alert
            ConsumerRecord<String, String> first = topic.awaitRecord(alertStateTopic,
                    r -> tracked(r, firing.fingerprint()).isPresent(), Duration.ofSeconds(30));
            JsonNode firstEvidence = tracked(first, firing.fingerprint()).orElseThrow().path("alert").path("evidence");
            ConsumerRecord<String, String> fresher = topic.awaitRecord(alertStateTopic, r -> r.offset() > first.offset()
                    && tracked(r, firing.fingerprint()).filter(t -> !t.path("alert").path("evidence").equals(firstEvidence))
                    .isPresent(), REFRESH.multipliedBy(4));
            JsonNode written = tracked(fresher, firing.fingerprint()).orElseThrow();
            assertThat(written.path("since").asText()).as("the same alert, not a new one").isEqualTo(firing.startsAt().toString());

            // rewrites for evidence alone (nothing else of the state changed) are rate-limited
            List<ConsumerRecord<String, String>> ofCluster = new ArrayList<>(topic.seen().stream()
                    .filter(r -> r.key().equals(Lab.BLACKHOLE_CLUSTER) && r.value() != null && r.offset() >= first.offset()).toList());
            for (int i = 1; i < ofCluster.size(); i++) {
                ConsumerRecord<String, String> a = ofCluster.get(i - 1);
                ConsumerRecord<String, String> b = ofCluster.get(i);
                if (onlyEvidenceDiffers(a, b)) {
                    assertThat(b.timestamp() - a.timestamp()).as("ms between two evidence refreshes of %s", Lab.BLACKHOLE_CLUSTER)
                            .isGreaterThanOrEqualTo(REFRESH.toMillis() / 2);
                }
            }

            // the view (what the API answers for a cluster another node works) shows the latest written
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
                topic.poll(Duration.ofMillis(100));
                ConsumerRecord<String, String> latest = topic.seen().stream()
                        .filter(r -> r.key().equals(Lab.BLACKHOLE_CLUSTER) && tracked(r, firing.fingerprint()).isPresent())
                        .reduce((x, y) -> y).orElseThrow();
                JsonNode latestEvidence = tracked(latest, firing.fingerprint()).orElseThrow().path("alert").path("evidence");
                Alert shown = view.firing(Lab.BLACKHOLE_CLUSTER).stream()
                        .filter(a -> a.fingerprint().equals(firing.fingerprint())).findFirst().orElseThrow();
                assertThat(shown.startsAt()).isEqualTo(firing.startsAt());
                assertThat(KafkaTestClient.json(latest).path("alerts").size()).isPositive();
                assertThat(new com.fasterxml.jackson.databind.ObjectMapper().valueToTree(shown.evidence()).toString())
                        .as("the view's evidence").isEqualTo(latestEvidence.toString())
                        .isNotEqualTo(firstEvidence.toString());
            });
        }
    }

    private Optional<Alert> unreachableInEngine() {
        return states.firing(Lab.BLACKHOLE_CLUSTER).stream()
                .filter(a -> DetectorCatalogue.INSTANCE_UNREACHABLE.equals(a.alertname())).findFirst();
    }

    /** The firing alert of that fingerprint in one alert-state record of the blackhole cluster. */
    private static Optional<JsonNode> tracked(ConsumerRecord<String, String> r, String fingerprint) {
        if (!Lab.BLACKHOLE_CLUSTER.equals(r.key()) || r.value() == null) {
            return Optional.empty();
        }
        for (JsonNode t : KafkaTestClient.json(r).path("alerts")) {
            if (t.path("fingerprint").asText().equals(fingerprint) && t.path("firing").asBoolean()) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }

    /** Whether two states differ only in their alerts' evidence (and the poll time): a refresh, not a change. */
    private static boolean onlyEvidenceDiffers(ConsumerRecord<String, String> a, ConsumerRecord<String, String> b) {
        return withoutEvidence(KafkaTestClient.json(a)).equals(withoutEvidence(KafkaTestClient.json(b)));
    }

    private static JsonNode withoutEvidence(JsonNode state) {
        com.fasterxml.jackson.databind.node.ObjectNode copy = state.deepCopy();
        copy.remove("time");
        copy.path("alerts").forEach(t -> ((com.fasterxml.jackson.databind.node.ObjectNode) t.path("alert")).remove("evidence"));
        return copy;
    }

    private int partitionsOf() {
        try (var c = new org.apache.kafka.clients.consumer.KafkaConsumer<String, String>(java.util.Map.of(
                "bootstrap.servers", bootstrapServers), new org.apache.kafka.common.serialization.StringDeserializer(),
                new org.apache.kafka.common.serialization.StringDeserializer())) {
            return c.partitionsFor(STATUS).size();
        }
    }
}
