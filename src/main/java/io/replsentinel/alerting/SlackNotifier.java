package io.replsentinel.alerting;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.MeterRegistry;
import io.replsentinel.event.Alert;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Posts every alert state change (firing and resolved) to a Slack incoming webhook when
 * {@code sentinel.slack.webhook-url} is set: one {@link SlackMessage} per change, in order, from
 * its own thread through a {@link DeliveryQueue}, so a slow or absent Slack never holds up the
 * rules engine or the other sinks, and an outage delays messages instead of losing them. The
 * {@link AlertDispatcher} starts and stops it.
 */
@ApplicationScoped
public class SlackNotifier implements AlertSink {

    static final String SINK = "slack";
    private static final Logger LOG = Logger.getLogger(SlackNotifier.class);
    /** A longer {@code Retry-After} than this is taken as a misconfigured proxy, not as Slack's wish. */
    private static final Duration MAX_RETRY_AFTER = Duration.ofMinutes(5);

    private final SlackConfig settings;
    private final ObjectMapper json;
    /** Null when Slack delivery is off. Built with the bean so no change is missed before start-up ends. */
    private final QueuedSink queue;
    private final HttpClient http;

    public SlackNotifier(SlackConfig settings, ObjectMapper json, MeterRegistry registry) {
        this.settings = settings;
        this.json = json;
        this.http = settings.webhookUrl().isEmpty() ? null : HttpClient.newBuilder().connectTimeout(settings.timeout()).build();
        this.queue = settings.webhookUrl().isEmpty() ? null : new QueuedSink(SINK, "Slack", settings.queueCapacity(),
                this::post, new Backoff(settings.retryInitialBackoff(), settings.retryMaxBackoff()),
                new DeliveryOutcomes(registry, DeliveryOutcomes.SLACK));
    }

    @Override
    public String name() {
        return SINK;
    }

    @Override
    public boolean enabled() {
        return queue != null;
    }

    @Override
    public void listen(Consumer<Alert> settled) {
        if (queue != null) {
            queue.listen(settled);
        }
    }

    @Override
    public void start() {
        if (queue == null) {
            return;
        }
        queue.start();
        // the webhook's path is its secret: name the host only
        LOG.infof("Posting alert state changes to a Slack webhook on %s", settings.webhookUrl().get().getHost());
    }

    @Override
    public void stop() {
        if (queue != null) {
            queue.stop();
        }
    }

    /** Only alerts at least as severe as {@code sentinel.slack.min-severity} are posted. */
    @Override
    public boolean takes(Alert alert) {
        return SlackMessage.severity(alert.labels().get("severity")).compareTo(settings.minSeverity()) >= 0;
    }

    /** Queues the state change for posting; returns at once. */
    @Override
    public void offer(Alert alert) {
        if (queue != null && takes(alert)) {
            queue.offer(alert);
        }
    }

    @Override
    public void forget(Predicate<Alert> filter) {
        if (queue != null) {
            queue.forget(filter);
        }
    }

    @Override
    public boolean awaitDrained(Duration timeout) throws InterruptedException {
        return queue == null || queue.awaitDrained(timeout);
    }

    private DeliveryQueue.Attempt post(Alert alert) throws InterruptedException {
        URI webhook = settings.webhookUrl().orElseThrow();
        try {
            HttpRequest request = HttpRequest.newBuilder(webhook)
                    .timeout(settings.timeout())
                    .header("Content-Type", "application/json; charset=utf-8")
                    .POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(SlackMessage.render(alert))))
                    .build();
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            return verdict(response.statusCode(), response.headers().firstValue("Retry-After").orElse(""),
                    response.body());
        } catch (IOException e) {
            String message = e.getMessage() == null ? "" : ": " + e.getMessage().replace(webhook.toString(), "<webhook>");
            return DeliveryQueue.Attempt.retry(e.getClass().getSimpleName() + message);
        }
    }

    /**
     * Slack answers 200 {@code ok}; 429 with {@code Retry-After} when rate-limited; 5xx when it is
     * down; other 4xx ({@code invalid_payload}, {@code no_service}, {@code channel_is_archived})
     * mean this message will never be taken, so it is dropped rather than blocking the rest.
     */
    static DeliveryQueue.Attempt verdict(int status, String retryAfter, String body) {
        String detail = "HTTP " + status + (body == null || body.isBlank() ? "" : ": " + abbreviate(body));
        if (status / 100 == 2) {
            return DeliveryQueue.Attempt.sent();
        }
        if (status == 429) {
            return DeliveryQueue.Attempt.retryAfter(retryAfterSeconds(retryAfter), detail);
        }
        if (status / 100 == 5 || status == 408) {
            return DeliveryQueue.Attempt.retry(detail);
        }
        return DeliveryQueue.Attempt.refused(detail);
    }

    private static Duration retryAfterSeconds(String header) {
        try {
            Duration d = Duration.ofSeconds(Long.parseLong(header.trim()));
            return d.compareTo(MAX_RETRY_AFTER) > 0 ? MAX_RETRY_AFTER : d;
        } catch (NumberFormatException e) {
            return Duration.ZERO;
        }
    }

    private static String abbreviate(String body) {
        String oneLine = body.strip().replaceAll("\\s+", " ");
        return oneLine.length() <= 200 ? oneLine : oneLine.substring(0, 200) + "…";
    }
}
