package io.replsentinel.fleet;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Settings of a fleet shared between several service nodes ({@code sentinel.fleet.*}). */
@ConfigMapping(prefix = "sentinel.fleet")
public interface FleetConfig {

    /**
     * When true, this node polls and listens only to the clusters whose status partition the rules
     * engine's consumer group ({@code repl-sentinel-rules}) assigned to it, and its API answers for the
     * whole fleet from a read model of the status and alert-state topics. Turn it on on every node
     * that shares one Kafka cluster and inventory; a node alone in its group owns every partition, so
     * it polls everything, from the first assignment on (a few seconds after start).
     */
    @WithDefault("false")
    boolean enabled();
}
