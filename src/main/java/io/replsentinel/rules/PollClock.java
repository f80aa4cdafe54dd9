package io.replsentinel.rules;

import io.replsentinel.event.ReplicationStatus;

import java.time.Instant;

/**
 * The clock one cluster's alert lifecycle runs on: poll time, not arrival time, so a backlog
 * replayed after a restart keeps its {@code for:} and holds. It moves forward with the newest poll
 * seen, and follows the service clock when it steps back: an instance's next poll (newer by
 * sequence) observed earlier than its previous one can only mean the clock went back, and staying
 * on the old time would freeze every {@code for:} and {@code keep-firing-for} for as long as the step.
 * Not thread-safe: the engine serialises calls per cluster.
 */
final class PollClock {

    private Instant now;
    /** Nanoseconds this clock moved forward (a long: two Durations per status cost more than the rest of it). */
    private long elapsedNanos;

    /** Moves the clock for {@code next}, which replaces {@code previous} (null: a new instance); returns the time. */
    Instant advance(ReplicationStatus previous, ReplicationStatus next) {
        Instant t = next.observedAt();
        boolean steppedBack = previous != null && next.sequence() > 0 && t.isBefore(previous.observedAt());
        if (now != null && t.isAfter(now)) {
            elapsedNanos += (t.getEpochSecond() - now.getEpochSecond()) * 1_000_000_000L + (t.getNano() - now.getNano());
        }
        if (now == null || t.isAfter(now) || steppedBack) {
            now = t;
        }
        return now;
    }

    Instant now() {
        return now;
    }

    /** Poll time, in nanoseconds, this clock has moved forward since its first status; a step back takes nothing off. */
    long elapsedNanos() {
        return elapsedNanos;
    }
}
