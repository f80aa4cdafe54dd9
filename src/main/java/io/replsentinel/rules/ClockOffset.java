package io.replsentinel.rules;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;

/**
 * How far one MySQL host's clock reads behind this service's, as its binlog listener sees it: the
 * smallest {@code seenAt - immediateCommitAt} over a sliding window. Each sample is the host's
 * clock error (negated) plus the listener's delivery delay; the smallest is the error plus the
 * quickest delivery, which is about the same for every listener of one service, so the difference
 * of two hosts' offsets is their clock skew. Sliding-window minimum in O(1) amortised per sample.
 */
final class ClockOffset {

    /** Long enough that a quick delivery is in it at any write rate; short enough to follow a clock being corrected. */
    static final Duration WINDOW = Duration.ofMinutes(10);

    private record Sample(Instant at, long micros) {
    }

    private final Deque<Sample> minima = new ArrayDeque<>();

    void add(Instant seenAt, Instant committedAt) {
        long micros = Duration.between(committedAt, seenAt).toNanos() / 1_000;
        while (!minima.isEmpty() && minima.peekLast().micros() >= micros) {
            minima.pollLast();
        }
        minima.addLast(new Sample(seenAt, micros));
        Instant oldest = seenAt.minus(WINDOW);
        while (minima.size() > 1 && minima.peekFirst().at().isBefore(oldest)) {
            minima.pollFirst();
        }
    }

    /** The smallest sample of the window, in microseconds. */
    Optional<Long> micros() {
        return minima.isEmpty() ? Optional.empty() : Optional.of(minima.peekFirst().micros());
    }
}
