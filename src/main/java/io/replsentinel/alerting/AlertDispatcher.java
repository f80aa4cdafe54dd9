package io.replsentinel.alerting;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.replsentinel.event.Alert;
import io.replsentinel.event.EventMessages;
import io.replsentinel.inventory.SentinelConfig;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Sends every alert state change to channel {@code alerts-out} (keyed by fingerprint), to the
 * {@link AlertStore} behind the REST API, and to Alertmanager and Slack when configured; records
 * how long detection took.
 */
@ApplicationScoped
public class AlertDispatcher {

    public static final String CHANNEL = "alerts-out";
    private static final Logger LOG = Logger.getLogger(AlertDispatcher.class);

    private final Emitter<String> emitter;
    private final EventMessages messages;
    private final AlertStore store;
    private final AlertmanagerNotifier alertmanager;
    private final SlackNotifier slack;
    private final Timer detectionLatency;
    private final String topic;

    public AlertDispatcher(@Channel(CHANNEL) @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = 10_000)
                           Emitter<String> emitter, EventMessages messages, AlertStore store,
                           AlertmanagerNotifier alertmanager, SlackNotifier slack, MeterRegistry registry,
                           SentinelConfig config) {
        this.emitter = emitter;
        this.messages = messages;
        this.store = store;
        this.alertmanager = alertmanager;
        this.slack = slack;
        this.topic = config.topics().alerts();
        this.detectionLatency = Timer.builder("sentinel_detection_latency_seconds")
                .description("From the poll that showed a condition to its alert leaving the engine")
                .publishPercentileHistogram()
                .register(registry);
    }

    public void dispatch(List<Alert> changes) {
        for (Alert alert : changes) {
            LOG.infof("%s %s %s %s", alert.status().toUpperCase(), alert.alertname(), alert.labels(), alert.fingerprint());
            store.record(alert);
            emitter.send(messages.message(topic, alert.fingerprint(), EventMessages.TYPE_ALERT,
                    alert.alertname(), alert));
            alertmanager.notify(alert);
            slack.notify(alert);
            if (alert.firing() && alert.evidence().get("observedAt") instanceof Instant seen) {
                detectionLatency.record(Duration.between(seen, Instant.now()));
            }
        }
    }
}
