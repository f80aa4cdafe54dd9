package io.replsentinel.rules.user;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * Lets one rule's evaluation errors through to the log at most once per interval: a rule that
 * fails on every poll must neither flood the log nor go unnoticed.
 */
final class ErrorThrottle {

    private final long intervalNanos;
    private final LongSupplier nanoTime;
    private boolean loggedBefore;
    private long lastLogged;
    private long suppressed;

    ErrorThrottle(Duration interval, LongSupplier nanoTime) {
        this.intervalNanos = interval.toNanos();
        this.nanoTime = nanoTime;
    }

    /**
     * Records one error; returns how many were suppressed since the last one logged, or -1 when
     * this one must not be logged either.
     */
    synchronized long admit() {
        long now = nanoTime.getAsLong();
        if (loggedBefore && now - lastLogged < intervalNanos) {
            suppressed++;
            return -1;
        }
        long skipped = suppressed;
        loggedBefore = true;
        lastLogged = now;
        suppressed = 0;
        return skipped;
    }
}
