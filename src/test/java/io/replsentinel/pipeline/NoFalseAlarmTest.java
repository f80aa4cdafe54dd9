package io.replsentinel.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.replsentinel.kafka.KafkaBrokerResource;
import io.replsentinel.kafka.KafkaTestClient;
import io.replsentinel.lab.Faults;
import io.replsentinel.lab.Topology;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The other side of every fault test: healthy MySQL and MariaDB topologies under steady writes
 * raise no alert at all for 30 s (some 30 polls of each of their instances, and 90 writes a source).
 */
@QuarkusTest
@WithTestResource(value = KafkaBrokerResource.class, scope = TestResourceScope.GLOBAL)
@WithTestResource(value = LabResource.class, scope = TestResourceScope.GLOBAL)
class NoFalseAlarmTest {

    private static final Duration WINDOW = Duration.ofSeconds(30);
    private static final List<String> CLUSTERS = List.of(Lab.MYSQL_CLUSTER, Lab.MARIADB_CLUSTER);

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    private static List<Map<String, Object>> firing(String cluster) {
        return given().queryParam("status", "firing").queryParam("cluster", cluster)
                .when().get("/api/alerts").then().statusCode(200).extract().jsonPath().getList("$");
    }

    @Test
    void healthyTopologiesUnderSteadyWrites_raiseNoAlertFor30Seconds() {
        List<Topology> topologies = List.of(Lab.mysql(), Lab.mariadb());
        // Other tests' repairs must have settled: healthy servers, and every earlier alert resolved.
        topologies.forEach(t -> new Faults(t).awaitAllHealthy());
        for (String cluster : CLUSTERS) {
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1))
                    .untilAsserted(() -> assertThat(firing(cluster)).as(cluster).isEmpty());
        }

        AtomicInteger key = new AtomicInteger(50000);
        AtomicInteger written = new AtomicInteger();
        AtomicReference<Throwable> writeFailure = new AtomicReference<>();
        ScheduledExecutorService writer = Executors.newSingleThreadScheduledExecutor();
        List<ConsumerRecord<String, String>> records;
        try (AlertWatch alerts = new AlertWatch(bootstrapServers)) {
            // about three inserts a second on each source
            writer.scheduleAtFixedRate(() -> {
                try {
                    for (Topology t : topologies) {
                        t.insert(key.incrementAndGet());
                        written.incrementAndGet();
                    }
                } catch (Throwable e) {
                    writeFailure.compareAndSet(null, e);
                }
            }, 0, 330, TimeUnit.MILLISECONDS);
            records = alerts.during(WINDOW);
        } finally {
            writer.shutdownNow();
        }
        try {
            writer.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }

        assertThat(writeFailure.get()).as("writes on the sources").isNull();
        // at least half the nominal rate (three a second on each of the two sources): steady writes, on a
        // loaded machine too, where each insert's own login can take a few hundred milliseconds
        assertThat(written.get()).as("rows written").isGreaterThan(2 * 45);
        List<String> ours = records.stream().map(KafkaTestClient::json)
                .filter(a -> CLUSTERS.contains(a.path("labels").path("cluster").asText()))
                .map(JsonNode::toString).toList();
        assertThat(ours).as("alerts about the healthy clusters during %s of steady writes", WINDOW).isEmpty();
        topologies.forEach(t -> {
            t.awaitReplicasCaughtUp(Duration.ofSeconds(30));
            new Faults(t).awaitAllHealthy();
        });
    }
}
