package io.replsentinel.fleet;

import io.replsentinel.rules.RulesEngine;
import io.smallrye.reactive.messaging.ClientCustomizer;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.eclipse.microprofile.config.Config;

import java.util.Map;

/**
 * With a shared fleet, the status consumer ({@code status-in}) assigns partitions cooperatively
 * (incremental, sticky): only the partitions that move are revoked, so a node joining or leaving
 * stops no other node's polling, and the clusters that stay keep their owner and generation.
 * Kafka's default (range, eager) would have every node stop every cluster at every rebalance.
 */
@ApplicationScoped
public class FleetConsumerSettings implements ClientCustomizer<Map<String, Object>> {

    private final FleetConfig fleet;

    public FleetConsumerSettings(FleetConfig fleet) {
        this.fleet = fleet;
    }

    @Override
    public Map<String, Object> customize(String channel, Config channelConfig, Map<String, Object> config) {
        if (fleet.enabled() && RulesEngine.CHANNEL.equals(channel)) {
            config.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
        }
        return config;
    }
}
