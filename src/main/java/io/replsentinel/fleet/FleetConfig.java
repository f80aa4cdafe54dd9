package io.replsentinel.fleet;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Settings of a fleet shared between several service nodes ({@code sentinel.fleet.*}). */
@ConfigMapping(prefix = "sentinel.fleet")
public interface FleetConfig {

    /**
     * When true (the default), this node polls and listens only to the clusters whose status
     * partition the rules engine's consumer group ({@code repl-sentinel-rules}) assigned to it, and
     * its API answers for the whole fleet from a read model of the status and alert-state topics: any
     * number of nodes on one Kafka share the fleet with nothing to configure. A node alone in its group
     * owns every partition, so it polls everything from its first assignment on (under a second after
     * its status consumer connects, on a broker whose {@code group.initial.rebalance.delay.ms} is 0 as
     * the embedded broker's; that delay, 3 s at Kafka's default, comes on top otherwise). False makes the node
     * poll its whole inventory from start-up whatever the group says and answer from its own state:
     * only for a node that must never share its clusters, on a Kafka where no other node runs with the
     * same topics; two such nodes poll every instance twice and announce every alert twice.
     */
    @WithDefault("true")
    boolean enabled();

    /**
     * With a shared fleet, at most how often a cluster's alert state is written to the alert-state
     * topic again when only a firing alert's evidence changed (lag seconds, poll times, error text),
     * so that the other nodes' API shows evidence at most this old, not the evidence of the alert's
     * first poll. Each such write is one record per cluster with firing alerts, read by every node:
     * shorter is fresher and costs more writes. {@code 0} writes the state only when an alert changes state.
     */
    @WithDefault("10s")
    java.time.Duration evidenceRefresh();
}
