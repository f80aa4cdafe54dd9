package io.replsentinel.kafka;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.replsentinel.lab.DockerEngine;
import org.jboss.logging.Logger;
import org.testcontainers.kafka.KafkaContainer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Gives a {@code @QuarkusTest} a real Kafka and sets {@code kafka.bootstrap.servers} to it:
 * <ol>
 * <li>the cluster named by env {@code KAFKA_BOOTSTRAP_SERVERS}, when set;</li>
 * <li>else a Testcontainers Kafka ({@link LabKafkaContainer}: the lab's own Docker engine and an image
 * built here, a substitute for {@code apache/kafka}), when env {@code SENTINEL_TEST_KAFKA=testcontainers}
 * and such an engine can run ({@link DockerEngine#canRun()});</li>
 * <li>else (the default, here and in CI) the in-process {@link EmbeddedKafkaBroker} on a fresh temp
 * directory, deleted afterwards.</li>
 * </ol>
 * Use it once for the whole test run:
 * {@code @WithTestResource(value = KafkaBrokerResource.class, scope = TestResourceScope.GLOBAL)}.
 * Tests read the address from config ({@code @ConfigProperty(name = "kafka.bootstrap.servers")}).
 */
public class KafkaBrokerResource implements QuarkusTestResourceLifecycleManager {

    private static final Logger LOG = Logger.getLogger(KafkaBrokerResource.class);
    private EmbeddedKafkaBroker broker;
    private Path brokerDir;
    private KafkaContainer container;

    @Override
    public Map<String, String> start() {
        String external = System.getenv("KAFKA_BOOTSTRAP_SERVERS");
        if (external != null && !external.isBlank()) {
            LOG.infof("Tests use the Kafka at %s (KAFKA_BOOTSTRAP_SERVERS)", external);
            return Map.of("kafka.bootstrap.servers", external);
        }
        if ("testcontainers".equalsIgnoreCase(System.getenv("SENTINEL_TEST_KAFKA"))) {
            if (DockerEngine.canRun()) {
                container = LabKafkaContainer.create();
                container.start();
                LOG.infof("Tests use a Testcontainers Kafka at %s", container.getBootstrapServers());
                return Map.of("kafka.bootstrap.servers", container.getBootstrapServers());
            }
            LOG.warn("SENTINEL_TEST_KAFKA=testcontainers but no Docker engine can run here: using the embedded broker");
        }
        try {
            brokerDir = Files.createTempDirectory("sentinel-test-kafka");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        broker = EmbeddedKafkaBroker.start(brokerDir, 0);
        return Map.of("kafka.bootstrap.servers", broker.bootstrapServers());
    }

    @Override
    public void stop() {
        if (container != null) {
            container.stop();
            container = null;
        }
        if (broker != null) {
            broker.close();
            broker = null;
            deleteQuietly(brokerDir);
        }
    }

    static void deleteQuietly(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            LOG.debugf("Could not delete %s: %s", dir, e.getMessage());
        }
    }
}
