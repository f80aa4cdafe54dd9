package io.replsentinel.alerting;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.replsentinel.event.Alert;
import io.replsentinel.inventory.SentinelConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Delivers alerts to Alertmanager's v2 API ({@code POST /api/v2/alerts}) when
 * {@code sentinel.alertmanager.url} is set. Like Prometheus it re-sends firing alerts every
 * {@code resend-interval} with an {@code endsAt} a few intervals ahead, so Alertmanager resolves
 * them by itself if this service dies. A resolved alert is retried with backoff until delivered.
 */
@ApplicationScoped
public class AlertmanagerNotifier {

    private static final Logger LOG = Logger.getLogger(AlertmanagerNotifier.class);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

    private final SentinelConfig.Alertmanager settings;
    private final ObjectMapper json;
    private final Map<String, Alert> firing = new LinkedHashMap<>();
    private final Map<String, Alert> undelivered = new LinkedHashMap<>();
    private ScheduledExecutorService executor;
    private HttpClient http;
    private Duration backoff = Duration.ofSeconds(1);
    private Instant nextRetry = Instant.EPOCH;
    private Instant nextResend = Instant.EPOCH;

    public AlertmanagerNotifier(SentinelConfig config, ObjectMapper json) {
        this.settings = config.alertmanager();
        this.json = json;
    }

    void start(@Observes StartupEvent event) {
        if (settings.url().isEmpty()) {
            return;
        }
        http = HttpClient.newBuilder().connectTimeout(settings.timeout()).build();
        executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "alertmanager-notifier");
            t.setDaemon(true);
            return t;
        });
        executor.scheduleWithFixedDelay(this::tick, 1, 1, TimeUnit.SECONDS);
        LOG.infof("Delivering alerts to Alertmanager at %s", settings.url().get());
    }

    void stop(@Observes ShutdownEvent event) {
        if (executor != null) {
            executor.shutdownNow();
        }
    }

    /** Queues one state change and delivers it at once on the notifier's thread. */
    public void notify(Alert alert) {
        if (executor == null) {
            return;
        }
        executor.execute(() -> {
            if (alert.firing()) {
                firing.put(alert.fingerprint(), alert);
            } else {
                firing.remove(alert.fingerprint());
            }
            undelivered.put(alert.fingerprint(), alert);
            deliver(new ArrayList<>(undelivered.values()));
        });
    }

    private void tick() {
        Instant now = Instant.now();
        if (!undelivered.isEmpty() && !now.isBefore(nextRetry)) {
            deliver(new ArrayList<>(undelivered.values()));
        }
        if (!firing.isEmpty() && !now.isBefore(nextResend)) {
            nextResend = now.plus(settings.resendInterval());
            deliver(new ArrayList<>(firing.values()));
        }
    }

    private void deliver(List<Alert> alerts) {
        if (alerts.isEmpty()) {
            return;
        }
        try {
            HttpRequest request = HttpRequest.newBuilder(URI.create(settings.url().get().toString().replaceAll("/+$", "")
                            + "/api/v2/alerts"))
                    .timeout(settings.timeout())
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(alerts.stream().map(this::body).toList())))
                    .build();
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() / 100 != 2) {
                throw new IllegalStateException("HTTP " + response.statusCode() + ": " + response.body());
            }
            alerts.forEach(a -> undelivered.remove(a.fingerprint(), a));
            backoff = Duration.ofSeconds(1);
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            nextRetry = Instant.now().plus(backoff);
            LOG.warnf("Alertmanager delivery of %d alert(s) failed, retrying in %s: %s", alerts.size(), backoff, e.toString());
            backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
        }
    }

    /** The v2 API's postable alert. */
    private Map<String, Object> body(Alert alert) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("labels", alert.labels());
        body.put("annotations", alert.annotations());
        body.put("startsAt", alert.startsAt().toString());
        Instant endsAt = alert.firing() ? Instant.now().plus(settings.resendInterval().multipliedBy(4)) : alert.endsAt();
        body.put("endsAt", endsAt.toString());
        body.put("generatorURL", alert.generatorURL());
        return body;
    }
}
