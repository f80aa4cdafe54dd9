package io.replsentinel.alerting;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.MeterRegistry;
import io.replsentinel.event.Alert;
import io.replsentinel.inventory.SentinelConfig;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Delivers alerts to Alertmanager's v2 API ({@code POST /api/v2/alerts}) when
 * {@code sentinel.alertmanager.url} is set. Like Prometheus it re-sends firing alerts every
 * {@code resend-interval} with an {@code endsAt} a few intervals ahead, so Alertmanager resolves
 * them by itself if this service dies, and an Alertmanager that restarted learns them again. What
 * to send is the {@link AlertmanagerOutbox}'s business: resolutions wait there until delivered.
 * Posts come from one thread of its own; the rules engine only records the change. A change counts
 * as delivered once a post that holds it succeeded.
 */
@ApplicationScoped
public class AlertmanagerNotifier implements AlertSink {

    static final String SINK = "alertmanager";
    private static final Logger LOG = Logger.getLogger(AlertmanagerNotifier.class);
    private static final Duration FIRST_RETRY = Duration.ofSeconds(1);
    private static final Duration LONGEST_RETRY = Duration.ofSeconds(30);
    /** A safety net only: resolutions are kept one per fingerprint, so this many means a runaway inventory. */
    private static final int MAX_WAITING_RESOLUTIONS = 10_000;
    /** Firing alerts tell Alertmanager to resolve them by themselves after this many missed resends. */
    private static final int ENDS_AT_RESENDS = 4;

    private final SentinelConfig.Alertmanager settings;
    private final ObjectMapper json;
    private final Clock clock = Clock.systemUTC();
    /** Null when Alertmanager delivery is off. Built with the bean so no change is missed before start-up ends. */
    private final AlertmanagerOutbox outbox;
    private HttpClient http;
    private URI endpoint;
    private Thread worker;
    private volatile Consumer<Alert> settled = c -> {
    };

    public AlertmanagerNotifier(SentinelConfig config, ObjectMapper json, MeterRegistry registry) {
        this.settings = config.alertmanager();
        this.json = json;
        this.outbox = settings.url().isEmpty() ? null : new AlertmanagerOutbox(settings.resendInterval(),
                MAX_WAITING_RESOLUTIONS, new Backoff(FIRST_RETRY, longestRetry(settings.resendInterval())),
                new DeliveryOutcomes(registry, DeliveryOutcomes.ALERTMANAGER));
    }

    @Override
    public String name() {
        return SINK;
    }

    @Override
    public boolean enabled() {
        return outbox != null;
    }

    @Override
    public void listen(Consumer<Alert> settled) {
        this.settled = settled;
    }

    @Override
    public synchronized void start() {
        if (outbox == null || worker != null) {
            return;
        }
        URI base = settings.url().get();
        endpoint = URI.create(base.toString().replaceAll("/+$", "") + "/api/v2/alerts");
        http = HttpClient.newBuilder().connectTimeout(settings.timeout()).build();
        worker = new Thread(this::run, "alertmanager-notifier");
        worker.setDaemon(true);
        worker.start();
        // user:password in the URL stays out of the log
        LOG.infof("Delivering alerts to Alertmanager at %s://%s:%d%s", base.getScheme(), base.getHost(), base.getPort(),
                base.getRawPath() == null ? "" : base.getRawPath());
    }

    /**
     * Retries never wait longer than a resend would, so an Alertmanager that comes back has every
     * firing alert and every waiting resolution within one resend interval.
     */
    static Duration longestRetry(Duration resendInterval) {
        Duration cap = resendInterval.compareTo(LONGEST_RETRY) < 0 ? resendInterval : LONGEST_RETRY;
        return cap.compareTo(FIRST_RETRY) < 0 ? FIRST_RETRY : cap;
    }

    @Override
    public synchronized void stop() {
        if (worker != null) {
            worker.interrupt();
        }
    }

    /** Records one state change for delivery; returns at once. */
    @Override
    public void offer(Alert alert) {
        if (outbox != null) {
            outbox.record(alert).ifPresent(settled);
        }
    }

    @Override
    public void forget(Predicate<Alert> filter) {
        if (outbox != null) {
            outbox.forget(filter);
        }
    }

    @Override
    public boolean awaitDrained(Duration timeout) throws InterruptedException {
        return outbox == null || outbox.awaitDrained(timeout);
    }

    private void run() {
        try {
            while (!Thread.currentThread().isInterrupted()) {
                Optional<AlertmanagerOutbox.Batch> batch = outbox.due(clock.instant());
                if (batch.isPresent()) {
                    post(batch.get());
                } else {
                    outbox.awaitWork(clock.instant());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void post(AlertmanagerOutbox.Batch batch) throws InterruptedException {
        int status;
        String body;
        try {
            Instant now = clock.instant();
            HttpRequest request = HttpRequest.newBuilder(endpoint)
                    .timeout(settings.timeout())
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(
                            batch.alerts().stream().map(a -> body(a, now, settings.resendInterval())).toList())))
                    .build();
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            status = response.statusCode();
            body = response.body();
        } catch (IOException e) {
            status = 0;
            body = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
        }
        Instant now = clock.instant();
        if (status / 100 == 2) {
            int failures = outbox.failuresInARow();
            Duration over = outbox.failingFor();
            outbox.delivered(batch, now);
            batch.alerts().forEach(settled);
            if (failures > 0) {
                LOG.infof("Alertmanager took %d alert(s) after %d failed attempt(s) over %s", batch.alerts().size(),
                        failures, over.truncatedTo(ChronoUnit.SECONDS));
            }
        } else if (status / 100 == 4 && status != 408 && status != 429) {
            outbox.refused(batch, now);
            batch.alerts().forEach(settled);
            LOG.errorf("Alertmanager refused %d alert(s), HTTP %d: %s", batch.alerts().size(), status, body);
        } else {
            Duration pause = outbox.failed(batch, now);
            LOG.logf(outbox.warnNow() ? Logger.Level.WARN : Logger.Level.DEBUG,
                    "Alertmanager delivery of %d alert(s) failed (%d in a row; %d firing, %d resolution(s) waiting), retrying in %s: %s",
                    batch.alerts().size(), outbox.failuresInARow(), outbox.firingCount(), outbox.waitingResolutions(), pause,
                    status == 0 ? body : "HTTP " + status + ": " + body);
        }
    }

    /** The v2 API's postable alert. */
    static Map<String, Object> body(Alert alert, Instant now, Duration resendInterval) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("labels", alert.labels());
        body.put("annotations", alert.annotations());
        body.put("startsAt", alert.startsAt().toString());
        Instant endsAt = alert.firing() ? now.plus(resendInterval.multipliedBy(ENDS_AT_RESENDS))
                : alert.endsAt() == null ? now : alert.endsAt();
        body.put("endsAt", endsAt.toString());
        body.put("generatorURL", alert.generatorURL());
        return body;
    }
}
