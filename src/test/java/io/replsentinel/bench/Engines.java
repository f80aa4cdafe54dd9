package io.replsentinel.bench;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import com.fasterxml.jackson.module.paramnames.ParameterNamesModule;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quarkus.runtime.configuration.DurationConverter;
import io.replsentinel.inventory.SentinelConfig;
import io.replsentinel.rules.RulesEngine;
import io.replsentinel.rules.user.UserRules;
import io.replsentinel.rules.user.UserRulesConfig;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;

import java.time.Duration;

/**
 * The rules engine as the service builds it, without starting Quarkus: the shipped default
 * settings, no user rules, and the JSON mapper configured as Quarkus configures its own. The
 * engine runs {@code DetectorCatalogue.all()}, so detectors added there are measured too.
 */
final class Engines {

    private Engines() {
    }

    /** A new engine with empty state. Alerts are returned, not dispatched: there is no Kafka. */
    static RulesEngine rulesEngine() {
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withConverter(Duration.class, 200, new DurationConverter())
                .withMapping(SentinelConfig.class)
                .withMapping(UserRulesConfig.class)
                .build();
        return new RulesEngine(json(), null, new SimpleMeterRegistry(), config.getConfigMapping(SentinelConfig.class),
                new UserRules(config.getConfigMapping(UserRulesConfig.class)), null);
    }

    /** Quarkus' ObjectMapper: the Java 8 and time modules, unknown fields ignored, ISO-8601 instants. */
    static ObjectMapper json() {
        return new ObjectMapper()
                .registerModule(new Jdk8Module())
                .registerModule(new JavaTimeModule())
                .registerModule(new ParameterNamesModule())
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .disable(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS);
    }
}
