package io.replsentinel.alerting;

import io.replsentinel.event.Alert;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * What Alertmanager must be told, and when. Alertmanager keeps no state worth trusting (it forgets
 * everything on restart), so the outbox holds it: every firing alert, re-sent every
 * {@code resendInterval} and at once on any change; and every resolution until Alertmanager has
 * taken it, so one that happened while Alertmanager was down still reaches it once it is back. An
 * alert that fired and resolved during the outage is kept as its resolution only. Failed posts are
 * retried with exponential backoff capped at the resend interval. Bounded: one entry per
 * fingerprint, and at most {@code maxResolutions} resolutions (oldest dropped and counted).
 * Thread-safe; time comes from the caller so tests need no clock.
 */
final class AlertmanagerOutbox {

    private static final Logger LOG = Logger.getLogger(AlertmanagerOutbox.class);

    /** One post: the alerts to send, and the change it brings Alertmanager up to. */
    record Batch(List<Alert> alerts, long version) {
    }

    private final Duration resendInterval;
    private final int maxResolutions;
    private final Backoff backoff;
    private final DeliveryOutcomes outcomes;
    private final Map<String, Alert> firing = new LinkedHashMap<>();
    /** Undelivered resolutions by fingerprint, oldest first. */
    private final LinkedHashMap<String, Alert> resolutions = new LinkedHashMap<>();
    private long version;
    private long deliveredVersion;
    private Instant retryAt = Instant.EPOCH;
    private Instant resendAt = Instant.EPOCH;

    AlertmanagerOutbox(Duration resendInterval, int maxResolutions, Backoff backoff, DeliveryOutcomes outcomes) {
        this.resendInterval = resendInterval;
        this.maxResolutions = maxResolutions;
        this.backoff = backoff;
        this.outcomes = outcomes;
    }

    /**
     * Takes one state change; the delivery thread is woken to post it.
     *
     * @return the resolution dropped to stay within bounds, if one was
     */
    synchronized Optional<Alert> record(Alert alert) {
        Alert dropped = null;
        if (alert.firing()) {
            resolutions.remove(alert.fingerprint());
            firing.put(alert.fingerprint(), alert);
        } else {
            firing.remove(alert.fingerprint());
            resolutions.remove(alert.fingerprint());
            resolutions.put(alert.fingerprint(), alert);
            if (resolutions.size() > maxResolutions) {
                Iterator<Alert> oldest = resolutions.values().iterator();
                dropped = oldest.next();
                oldest.remove();
                outcomes.dropped(1);
                LOG.warnf("More than %d resolutions wait for Alertmanager: dropped the oldest, %s %s",
                        maxResolutions, dropped.alertname(), dropped.fingerprint());
            }
        }
        version++;
        notifyAll();
        return Optional.ofNullable(dropped);
    }

    /** Drops the firing alerts and waiting resolutions that match: another node tells Alertmanager about them now. */
    synchronized void forget(Predicate<Alert> filter) {
        firing.values().removeIf(filter);
        resolutions.values().removeIf(filter);
        notifyAll();
    }

    /** Nothing waits: Alertmanager has every change (firing alerts are still re-sent, as always). */
    synchronized boolean drained() {
        return version <= deliveredVersion && resolutions.isEmpty();
    }

    /** Waits until {@link #drained()} or {@code timeout}; true when drained. */
    synchronized boolean awaitDrained(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!drained()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            wait(Math.max(1, left / 1_000_000));
        }
        return true;
    }

    synchronized int failuresInARow() {
        return backoff.failuresInARow();
    }

    synchronized Duration failingFor() {
        return backoff.failingFor();
    }

    synchronized boolean warnNow() {
        return backoff.warnNow();
    }

    /**
     * The post due at {@code now}: all firing alerts and all waiting resolutions, when something
     * changed or the resend interval has passed, and no backoff is running; else empty.
     */
    synchronized Optional<Batch> due(Instant now) {
        if (now.isBefore(retryAt)) {
            return Optional.empty();
        }
        boolean news = version > deliveredVersion || !resolutions.isEmpty();
        boolean resend = !firing.isEmpty() && !now.isBefore(resendAt);
        if (!news && !resend) {
            return Optional.empty();
        }
        List<Alert> alerts = new ArrayList<>(resolutions.values());
        alerts.addAll(firing.values());
        return Optional.of(new Batch(alerts, version));
    }

    /** Alertmanager took the batch. */
    synchronized void delivered(Batch batch, Instant now) {
        forgetResolutions(batch);
        deliveredVersion = Math.max(deliveredVersion, batch.version());
        resendAt = now.plus(resendInterval);
        retryAt = Instant.EPOCH;
        backoff.reset();
        outcomes.sent(batch.alerts().size());
        notifyAll();
    }

    /** The post failed in a way a later attempt can fix (connection refused, timeout, 5xx). */
    synchronized Duration failed(Batch batch, Instant now) {
        Duration pause = backoff.next();
        retryAt = now.plus(pause);
        outcomes.failed(batch.alerts().size());
        return pause;
    }

    /**
     * Alertmanager refused the batch as malformed (4xx). It keeps the valid alerts of a batch it
     * refuses, and sending the same resolutions again cannot help: they are dropped; the firing
     * alerts wait for the next resend.
     */
    synchronized void refused(Batch batch, Instant now) {
        int dropped = forgetResolutions(batch);
        deliveredVersion = Math.max(deliveredVersion, batch.version());
        resendAt = now.plus(resendInterval);
        retryAt = Instant.EPOCH;
        outcomes.failed(batch.alerts().size());
        outcomes.dropped(dropped);
        notifyAll();
    }

    private int forgetResolutions(Batch batch) {
        int forgotten = 0;
        for (Alert a : batch.alerts()) {
            // a resolution superseded meanwhile (fired again, resolved again) stays for the next post
            if (!a.firing() && resolutions.remove(a.fingerprint(), a)) {
                forgotten++;
            }
        }
        return forgotten;
    }

    /**
     * Waits until a change is recorded or the next post falls due, whichever is first; returns at
     * once when a post is due now.
     */
    synchronized void awaitWork(Instant now) throws InterruptedException {
        if (due(now).isPresent()) {
            return;
        }
        long seen = version;
        Instant wake = wakeAt();
        while (version == seen) {
            if (wake == null) {
                wait();
            } else {
                long millis = Duration.between(now, wake).toMillis();
                if (millis <= 0) {
                    return;
                }
                wait(millis);
                return;
            }
        }
    }

    /** When the next post falls due without further changes; null when nothing ever will. */
    synchronized Instant wakeAt() {
        boolean news = version > deliveredVersion || !resolutions.isEmpty();
        if (news) {
            return retryAt;
        }
        if (!firing.isEmpty()) {
            return resendAt.isAfter(retryAt) ? resendAt : retryAt;
        }
        return null;
    }

    synchronized int firingCount() {
        return firing.size();
    }

    synchronized int waitingResolutions() {
        return resolutions.size();
    }
}
