package io.replsentinel.alerting;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.replsentinel.event.Alert;
import io.replsentinel.event.EventMessages;
import io.replsentinel.inventory.SentinelConfig;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.interceptor.Interceptor;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;
import java.util.function.Predicate;

/**
 * Hands every alert state change to each configured sink: the {@link AlertStore} behind the REST
 * API, channel {@code alerts-out} (the alerts topic, keyed by fingerprint), Alertmanager and Slack.
 * Each sink has an outbox and a thread of its own and retries until its receiver takes the change,
 * so one failing sink never blocks the others or the rules engine; each sink's end with a change is
 * reported to the listener the rules engine registers, which keeps the undelivered ones in the
 * alert state (so a restart sends what was still waiting). Records how long detection took. On
 * shutdown it gives the sinks {@code sentinel.delivery.drain-timeout} to empty their outboxes.
 */
@ApplicationScoped
public class AlertDispatcher {

    public static final String CHANNEL = "alerts-out";
    /** Sink names, as recorded with undelivered changes in the alert state. */
    public static final String STORE = "store";
    public static final String TOPIC = "topic";
    public static final String ALERTMANAGER = AlertmanagerNotifier.SINK;
    public static final String SLACK = SlackNotifier.SINK;
    private static final Logger LOG = Logger.getLogger(AlertDispatcher.class);
    /** Longest wait for the broker's acknowledgement of one alert record before it is retried. */
    private static final Duration TOPIC_ACK_TIMEOUT = Duration.ofSeconds(30);

    private final List<AlertSink> sinks;
    private final AlertStore store;
    private final AlertmanagerNotifier alertmanager;
    private final Timer detectionLatency;
    private final Duration drainTimeout;
    private volatile BiConsumer<String, Alert> settled = (sink, change) -> {
    };
    /** Who hears of each change as it leaves (remediation); null in an engine built by hand. */
    @Inject
    Event<AlertTransition> transitions;

    public AlertDispatcher(@Channel(CHANNEL) @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = 10_000)
                           Emitter<String> emitter, EventMessages messages, AlertStore store,
                           AlertmanagerNotifier alertmanager, SlackNotifier slack, MeterRegistry registry,
                           SentinelConfig config) {
        this.store = store;
        this.alertmanager = alertmanager;
        this.drainTimeout = config.delivery().drainTimeout();
        String topic = config.topics().alerts();
        Backoff retry = new Backoff(config.delivery().retryInitialBackoff(), config.delivery().retryMaxBackoff());
        List<AlertSink> all = new ArrayList<>();
        all.add(new QueuedSink(STORE, "Alert store", Integer.MAX_VALUE, change -> {
            store.record(change);
            return DeliveryQueue.Attempt.sent();
        }, new Backoff(config.delivery().retryInitialBackoff(), config.delivery().retryMaxBackoff()),
                DeliveryOutcomes.uncounted()));
        all.add(new QueuedSink(TOPIC, "Alerts topic " + topic, Integer.MAX_VALUE,
                change -> publish(emitter, messages.message(topic, change.fingerprint(), EventMessages.TYPE_ALERT,
                        change.alertname(), change)), retry, DeliveryOutcomes.uncounted()));
        all.add(alertmanager);
        all.add(slack);
        this.sinks = all.stream().filter(AlertSink::enabled).toList();
        for (AlertSink sink : sinks) {
            sink.listen(change -> settled.accept(sink.name(), change));
        }
        this.detectionLatency = Timer.builder("sentinel_detection_latency_seconds")
                .description("From the poll that showed a condition to its alert leaving the engine")
                .publishPercentileHistogram()
                .register(registry);
    }

    /** Sends one record and waits for the broker's acknowledgement, so a lost record is retried. */
    private static DeliveryQueue.Attempt publish(Emitter<String> emitter, Message<String> message) throws InterruptedException {
        CompletableFuture<Void> acked = new CompletableFuture<>();
        emitter.send(message.withAck(() -> message.ack().thenRun(() -> acked.complete(null)))
                .withNack(failure -> {
                    acked.completeExceptionally(failure);
                    return CompletableFuture.completedFuture(null);
                }));
        try {
            acked.get(TOPIC_ACK_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            return DeliveryQueue.Attempt.sent();
        } catch (ExecutionException e) {
            return DeliveryQueue.Attempt.retry(String.valueOf(e.getCause()));
        } catch (TimeoutException e) {
            return DeliveryQueue.Attempt.retry("no acknowledgement within " + TOPIC_ACK_TIMEOUT.toSeconds() + " s");
        }
    }

    /** Who hears that a sink is done with a change: {@code (sink name, change)}. */
    public void onSettled(BiConsumer<String, Alert> listener) {
        this.settled = listener;
    }

    /** The sinks that will take this change: those configured that want it. */
    public List<String> sinksFor(Alert change) {
        return sinks.stream().filter(s -> s.takes(change)).map(AlertSink::name).toList();
    }

    /** Queues one change to each of {@code to} (sink names; see {@link #sinksFor}); returns at once. */
    public void dispatch(Alert change, Collection<String> to) {
        LOG.infof("%s %s %s %s", change.status().toUpperCase(), change.alertname(), change.labels(), change.fingerprint());
        for (AlertSink sink : sinks) {
            if (to.contains(sink.name())) {
                sink.offer(change);
            }
        }
        if (change.firing() && change.evidence().get("observedAt") instanceof Instant seen) {
            detectionLatency.record(Duration.between(seen, Instant.now()));
        }
        if (transitions != null) {
            try {
                transitions.fire(new AlertTransition(change));
            } catch (RuntimeException e) {
                // an observer's failure must never hold up the alert itself
                LOG.errorf(e, "An observer of %s %s failed", change.status(), change.fingerprint());
            }
        }
    }

    /** Every change to every sink that wants it. */
    public void dispatch(List<Alert> changes) {
        for (Alert change : changes) {
            dispatch(change, sinksFor(change));
        }
    }

    /**
     * Alerts restored as firing (their change went out before a restart or a partition move): the
     * API lists them and Alertmanager gets them again, with their first {@code startsAt}, as it
     * would on the next resend; the topic and Slack heard of them already.
     */
    public void restoreFiring(Collection<Alert> firing) {
        for (Alert a : firing) {
            store.record(a);
            alertmanager.offer(a);
        }
    }

    /** Forgets the alerts that match (their cluster moved to another node): out of the API and every outbox. */
    public void forget(Predicate<Alert> filter) {
        store.forget(filter);
        for (AlertSink sink : sinks) {
            sink.forget(filter);
        }
    }

    void start(@Observes StartupEvent event) {
        sinks.forEach(AlertSink::start);
    }

    /**
     * Before the Kafka clients close (they do at bean destruction, after this), gives the outboxes
     * time to empty; what is left stays recorded as undelivered in the alert state and goes out
     * after the next start.
     */
    void drain(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) ShutdownEvent event) {
        long start = System.nanoTime();
        List<String> left = new ArrayList<>();
        try {
            for (AlertSink sink : sinks) {
                Duration remaining = drainTimeout.minusNanos(System.nanoTime() - start);
                if (!sink.awaitDrained(remaining.isNegative() ? Duration.ZERO : remaining)) {
                    left.add(sink.name());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        sinks.forEach(AlertSink::stop);
        if (left.isEmpty()) {
            LOG.debugf("Alert outboxes drained in %d ms", (System.nanoTime() - start) / 1_000_000);
        } else {
            LOG.warnf("Stopping with undelivered alert changes for %s: they are kept in the alert state and sent after the next start",
                    left);
        }
    }
}
