package io.replsentinel.alerting;

import java.time.Duration;

/**
 * The one retry policy of every delivery, and of the status producer ({@code poll.StatusPublisher}): exponential backoff between attempts ({@code initial},
 * doubling after each failure up to {@code max}, back to {@code initial} after a success) and the
 * failure streak the log reports (a warning when an outage starts, then every tenth failure, and a
 * line when the receiver is back). Not thread-safe: each outbox owns one and touches it from one
 * thread, or under its own lock.
 */
public final class Backoff {

    /** Failures between two warnings of one outage: the rest go to the debug log. */
    private static final int WARN_EVERY = 10;

    private final Duration initial;
    private final Duration max;
    private Duration current;
    private int failuresInARow;
    private long failingSinceNanos;

    public Backoff(Duration initial, Duration max) {
        if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("backoff needs 0 < initial <= max, got " + initial + " and " + max);
        }
        this.initial = initial;
        this.max = max;
        this.current = initial;
    }

    /** One more failure: the pause before the next attempt. */
    public Duration next() {
        if (failuresInARow++ == 0) {
            failingSinceNanos = System.nanoTime();
        }
        Duration pause = current;
        Duration doubled = current.multipliedBy(2);
        current = doubled.compareTo(max) > 0 ? max : doubled;
        return pause;
    }

    /** A success: the pauses start over. */
    public void reset() {
        current = initial;
        failuresInARow = 0;
    }

    /** Failures since the last success. */
    public int failuresInARow() {
        return failuresInARow;
    }

    /** Whether the latest failure deserves a warning rather than a debug line: the first of an outage, then every tenth. */
    public boolean warnNow() {
        return failuresInARow % WARN_EVERY == 1;
    }

    /** How long the current run of failures has lasted; zero when the last attempt succeeded. */
    public Duration failingFor() {
        return failuresInARow == 0 ? Duration.ZERO : Duration.ofNanos(System.nanoTime() - failingSinceNanos);
    }
}
