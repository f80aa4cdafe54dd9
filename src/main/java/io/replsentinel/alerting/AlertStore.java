package io.replsentinel.alerting;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.replsentinel.event.Alert;
import io.replsentinel.inventory.SentinelConfig;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * Firing alerts and recently resolved ones, for {@code GET /api/alerts}, and the
 * {@code sentinel_alerts_firing{alertname,severity}} gauge.
 */
@ApplicationScoped
public class AlertStore {

    private final Map<String, Alert> firing = new ConcurrentHashMap<>();
    private final Map<String, Alert> resolved = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> firingCounts = new ConcurrentHashMap<>();
    private final MeterRegistry registry;
    private final Duration retention;

    public AlertStore(MeterRegistry registry, SentinelConfig config) {
        this.registry = registry;
        this.retention = config.rules().resolvedRetention();
    }

    public synchronized void record(Alert alert) {
        String alertname = alert.alertname();
        String severity = alert.labels().getOrDefault("severity", "");
        if (alert.firing()) {
            resolved.remove(alert.fingerprint());
            if (firing.put(alert.fingerprint(), alert) == null) {
                counter(alertname, severity).incrementAndGet();
            }
        } else {
            if (firing.remove(alert.fingerprint()) != null) {
                counter(alertname, severity).decrementAndGet();
            }
            resolved.put(alert.fingerprint(), alert);
        }
        Instant horizon = Instant.now().minus(retention);
        resolved.values().removeIf(a -> a.endsAt() != null && a.endsAt().isBefore(horizon));
    }

    /** Forgets the alerts that match, firing or resolved: their cluster is another node's now. */
    public synchronized void forget(Predicate<Alert> filter) {
        firing.values().removeIf(a -> {
            if (filter.test(a)) {
                counter(a.alertname(), a.labels().getOrDefault("severity", "")).decrementAndGet();
                return true;
            }
            return false;
        });
        resolved.values().removeIf(filter);
    }

    /** Firing alerts first (oldest first), then resolved ones (newest first). */
    public List<Alert> all() {
        List<Alert> result = new ArrayList<>(firing.values());
        result.sort(Comparator.comparing(Alert::startsAt));
        List<Alert> done = new ArrayList<>(resolved.values());
        done.sort(Comparator.comparing(Alert::endsAt).reversed());
        result.addAll(done);
        return result;
    }

    public List<Alert> firing() {
        return List.copyOf(firing.values());
    }

    private AtomicInteger counter(String alertname, String severity) {
        return firingCounts.computeIfAbsent(alertname + "/" + severity, k -> {
            AtomicInteger value = new AtomicInteger();
            Gauge.builder("sentinel_alerts_firing", value, AtomicInteger::get)
                    .description("Alerts firing now")
                    .tags("alertname", alertname, "severity", severity)
                    .register(registry);
            return value;
        });
    }
}
