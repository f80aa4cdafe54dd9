package io.replsentinel.alerting;

import java.time.Duration;

/**
 * Exponential backoff between delivery attempts: {@code initial}, doubling after each failure up
 * to {@code max}, back to {@code initial} after a success. Not thread-safe: each notifier owns one
 * and touches it from its delivery thread only.
 */
final class Backoff {

    private final Duration initial;
    private final Duration max;
    private Duration current;

    Backoff(Duration initial, Duration max) {
        if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("backoff needs 0 < initial <= max, got " + initial + " and " + max);
        }
        this.initial = initial;
        this.max = max;
        this.current = initial;
    }

    /** The pause before the next attempt after one more failure. */
    Duration next() {
        Duration pause = current;
        Duration doubled = current.multipliedBy(2);
        current = doubled.compareTo(max) > 0 ? max : doubled;
        return pause;
    }

    void reset() {
        current = initial;
    }
}
