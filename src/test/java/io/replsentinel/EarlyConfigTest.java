package io.replsentinel;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What decides the embedded broker before Quarkus starts reads the same sources as the service: a
 * Kafka set in a YAML or properties file of {@code quarkus.config.locations} counts, the embedded
 * broker's own settings too; with none, the embedded broker's defaults apply.
 */
class EarlyConfigTest {

    private static final String LOCATIONS = "quarkus.config.locations";

    @TempDir
    Path dir;

    @AfterEach
    void forgetLocations() {
        System.clearProperty(LOCATIONS);
    }

    private EarlyConfig with(String file, String text) throws IOException {
        Path f = dir.resolve(file);
        Files.writeString(f, text);
        System.setProperty(LOCATIONS, f.toString());
        return EarlyConfig.load();
    }

    @Test
    void kafkaBootstrapServersInAYamlLocation_isConfiguredKafka() throws IOException {
        EarlyConfig c = with("inventory.yaml", """
                kafka:
                  bootstrap:
                    servers: broker1:9092
                sentinel:
                  embedded-kafka:
                    data-dir: /var/lib/sentinel/kafka
                """);
        assertThat(c.kafkaConfigured()).isTrue();
        assertThat(c.embeddedKafkaDataDir()).isEqualTo(Path.of("/var/lib/sentinel/kafka"));
    }

    @Test
    void connectorBootstrapServersInAPropertiesLocation_isConfiguredKafka() throws IOException {
        assertThat(with("sentinel.properties", "mp.messaging.connector.smallrye-kafka.bootstrap.servers=broker2:9092\n")
                .kafkaConfigured()).isTrue();
    }

    @Test
    void noKafkaAnywhere_embeddedBrokerWithItsDefaults() throws IOException {
        EarlyConfig c = with("inventory.yaml", """
                sentinel:
                  clusters:
                    orders:
                      user: sentinel
                      instances:
                        - host: db1
                """);
        Assumptions.assumeTrue(System.getenv("KAFKA_BOOTSTRAP_SERVERS") == null
                && System.getProperty("kafka.bootstrap.servers") == null, "a Kafka is set for this JVM");
        assertThat(c.kafkaConfigured()).isFalse();
        assertThat(c.embeddedKafkaEnabled()).isTrue();
        assertThat(c.embeddedKafkaPort()).isZero();
        assertThat(c.embeddedKafkaDataDir()).isEqualTo(Path.of("data/kafka"));
    }

    @Test
    void embeddedBrokerSwitchedOffInTheYaml_isOff() throws IOException {
        assertThat(with("inventory.yaml", "sentinel:\n  embedded-kafka:\n    enabled: false\n").embeddedKafkaEnabled()).isFalse();
    }
}
