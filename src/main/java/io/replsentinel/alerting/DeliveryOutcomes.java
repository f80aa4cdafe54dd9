package io.replsentinel.alerting;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The {@code sentinel_notifications_total{receiver,outcome}} counters of one receiver, counted
 * per alert as Prometheus counts its own notifications: {@code sent} each time a receiver accepts
 * an alert (Alertmanager re-sends of firing alerts included), {@code failed} each time an attempt
 * fails (a retried message counts once per failed attempt), {@code dropped} each alert given up
 * on (queue overflow, or refused by the receiver as malformed).
 */
final class DeliveryOutcomes {

    static final String METRIC = "sentinel_notifications_total";
    static final String ALERTMANAGER = "alertmanager";
    static final String SLACK = "slack";

    private final Counter sent;
    private final Counter failed;
    private final Counter dropped;

    /** Outcomes nobody counts: for sinks inside the service (the API's store, the alerts topic, counted as published events). */
    static DeliveryOutcomes uncounted() {
        return new DeliveryOutcomes();
    }

    private DeliveryOutcomes() {
        this.sent = null;
        this.failed = null;
        this.dropped = null;
    }

    /** Registers all three series at once, so that dashboards see zeros rather than gaps. */
    DeliveryOutcomes(MeterRegistry registry, String receiver) {
        this.sent = counter(registry, receiver, "sent");
        this.failed = counter(registry, receiver, "failed");
        this.dropped = counter(registry, receiver, "dropped");
    }

    private static Counter counter(MeterRegistry registry, String receiver, String outcome) {
        return Counter.builder(METRIC)
                .description("Alert notifications by receiver and outcome")
                .tags("receiver", receiver, "outcome", outcome)
                .register(registry);
    }

    void sent(int alerts) {
        if (sent != null) {
            sent.increment(alerts);
        }
    }

    void failed(int alerts) {
        if (failed != null) {
            failed.increment(alerts);
        }
    }

    void dropped(int alerts) {
        if (dropped != null) {
            dropped.increment(alerts);
        }
    }
}
