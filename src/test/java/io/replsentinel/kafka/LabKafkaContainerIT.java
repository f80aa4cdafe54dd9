package io.replsentinel.kafka;

import io.replsentinel.lab.DockerEngine;
import io.replsentinel.lab.LabCommand;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.testcontainers.kafka.KafkaContainer;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Docker tier's broker: Testcontainers' {@link KafkaContainer} accepts the image built here as
 * {@code apache/kafka}, on the lab's private engine, and a container stopped and started keeps its
 * address and its records.
 */
class LabKafkaContainerIT {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @Test
    void kafkaContainerOnLocalImage_carriesRecordsAndKeepsThemAcrossDockerStopAndStart() throws IOException {
        Assumptions.assumeTrue(DockerEngine.canRun(), "no Docker engine can run here (needs Linux and root)");
        int port = LabCommand.freePort();
        try (KafkaContainer kafka = LabKafkaContainer.onFixedPort(port)) {
            long t0 = System.nanoTime();
            kafka.start();
            System.out.printf("[lab-kafka] container answered in %d ms%n", (System.nanoTime() - t0) / 1_000_000);
            String bootstrap = kafka.getBootstrapServers();
            assertThat(bootstrap).endsWith(":" + port);
            assertThat(kafka.getDockerImageName()).isEqualTo(LabKafkaContainer.IMAGE);
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
                TopicInitializer.ensureTopics(admin, List.of("lab.restart"), 2, (short) 1, WAIT);
            }
            try (KafkaTestClient client = KafkaTestClient.fromEnd(bootstrap, "lab.restart")) {
                client.send("lab.restart", "before", "{\"n\":1}");
                assertThat(client.awaitRecord("lab.restart", r -> "before".equals(r.key()), WAIT).value()).isEqualTo("{\"n\":1}");
            }

            LabKafkaContainer.stop(kafka);
            Duration restart = LabKafkaContainer.start(kafka, bootstrap, Duration.ofSeconds(90));
            System.out.printf("[lab-kafka] docker start to answering: %d ms%n", restart.toMillis());

            assertThat(kafka.getBootstrapServers()).as("same address after the restart").isEqualTo(bootstrap);
            try (KafkaTestClient client = KafkaTestClient.fromBeginning(bootstrap, "lab.restart")) {
                client.send("lab.restart", "after", "{\"n\":2}");
                ConsumerRecord<String, String> after = client.awaitRecord("lab.restart", r -> "after".equals(r.key()), WAIT);
                assertThat(after.value()).isEqualTo("{\"n\":2}");
                assertThat(client.awaitRecord("lab.restart", r -> "before".equals(r.key()), WAIT).value())
                        .as("the record written before the restart").isEqualTo("{\"n\":1}");
            }
        }
    }
}
