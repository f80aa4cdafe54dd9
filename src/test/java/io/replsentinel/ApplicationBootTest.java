package io.replsentinel;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.replsentinel.kafka.KafkaBrokerResource;
import io.replsentinel.kafka.KafkaTestClient;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

/** The service boots against a real Kafka, creates its topics and reports itself ready. */
@QuarkusTest
@WithTestResource(value = KafkaBrokerResource.class, scope = TestResourceScope.GLOBAL)
class ApplicationBootTest {

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @Test
    void serviceIsReadyWithKafkaReachable() {
        given().when().get("/q/health/ready")
                .then().statusCode(200)
                .body("status", equalTo("UP"));
    }

    @Test
    void serviceTopicsExistAtStartup() {
        // the client waits for nothing: it fails at once when a topic is missing
        try (KafkaTestClient kafka = KafkaTestClient.fromEnd(bootstrapServers,
                "mysql.replication.status", "mysql.replication.alerts", "mysql.replication.dlq")) {
            kafka.poll(java.time.Duration.ofMillis(10));
        }
    }
}
