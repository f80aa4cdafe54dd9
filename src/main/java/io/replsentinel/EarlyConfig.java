package io.replsentinel;

import io.quarkus.runtime.configuration.ConfigUtils;
import io.smallrye.config.SmallRyeConfig;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The few settings {@link Main} needs before Quarkus starts (is Kafka configured? may the embedded
 * broker start, where and on which port?), read through a SmallRye Config built the way Quarkus
 * builds its own: system properties, environment variables, the YAML or properties files of
 * {@code quarkus.config.locations} / {@code QUARKUS_CONFIG_LOCATIONS}, {@code application.yaml} and
 * {@code application.properties}, so that a key means the same here as in the running service.
 */
final class EarlyConfig {

    /** Every key through which a user can point the service's Kafka clients at a cluster. */
    static final List<String> KAFKA_KEYS = List.of("kafka.bootstrap.servers",
            "mp.messaging.connector.smallrye-kafka.bootstrap.servers");

    private final SmallRyeConfig config;

    private EarlyConfig(SmallRyeConfig config) {
        this.config = config;
    }

    static EarlyConfig load() {
        return new EarlyConfig(ConfigUtils.configBuilder().addDiscoveredSources().build());
    }

    boolean kafkaConfigured() {
        return KAFKA_KEYS.stream().anyMatch(k -> text(k).isPresent());
    }

    boolean embeddedKafkaEnabled() {
        return Boolean.parseBoolean(text("sentinel.embedded-kafka.enabled").orElse("true"));
    }

    Path embeddedKafkaDataDir() {
        return Path.of(text("sentinel.embedded-kafka.data-dir").orElse("data/kafka"));
    }

    int embeddedKafkaPort() {
        String port = text("sentinel.embedded-kafka.port").orElse("0");
        try {
            return Integer.parseInt(port);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("sentinel.embedded-kafka.port: '" + port + "' is not a port number");
        }
    }

    private Optional<String> text(String key) {
        return config.getOptionalValue(key, String.class).map(String::trim).filter(v -> !v.isEmpty());
    }
}
