package io.replsentinel.alerting;

import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Messages for one receiver, delivered in order by one thread: the oldest is retried with
 * exponential backoff until the receiver takes it, so an outage delays messages but loses none.
 * Producers never block; past {@code capacity} waiting messages the oldest waiting one is dropped
 * and counted. A message the receiver refuses as malformed is dropped at once: retrying cannot fix it.
 * Every message's end (taken, refused or dropped) is reported to the {@code settled} callback, from
 * the delivery thread (or the producer's, for overflow) and outside the queue's lock, so the owner
 * can record what still waits.
 */
final class DeliveryQueue<T> {

    private static final Logger LOG = Logger.getLogger(DeliveryQueue.class);

    /** What one attempt came to. */
    enum Verdict { SENT, RETRY, REFUSED }

    /**
     * @param retryAfter the least pause the receiver asked for (HTTP {@code Retry-After}), zero if none
     * @param detail     for the log: status code and body, or the exception; never a URL
     */
    record Attempt(Verdict verdict, Duration retryAfter, String detail) {
        static Attempt sent() {
            return new Attempt(Verdict.SENT, Duration.ZERO, "");
        }

        static Attempt retry(String detail) {
            return new Attempt(Verdict.RETRY, Duration.ZERO, detail);
        }

        static Attempt retryAfter(Duration pause, String detail) {
            return new Attempt(Verdict.RETRY, pause, detail);
        }

        static Attempt refused(String detail) {
            return new Attempt(Verdict.REFUSED, Duration.ZERO, detail);
        }
    }

    /** Sends one message; a thrown exception counts as a retryable failure. */
    interface Transport<T> {
        Attempt send(T message) throws Exception;
    }

    private final String receiver;
    private final int capacity;
    private final Transport<T> transport;
    private final Backoff backoff;
    private final DeliveryOutcomes outcomes;
    private final Consumer<T> settled;
    private final Deque<T> waiting = new ArrayDeque<>();
    /** The message being delivered: out of {@code waiting}, so overflow never drops it mid-flight. */
    private T head;

    DeliveryQueue(String receiver, int capacity, Transport<T> transport, Backoff backoff, DeliveryOutcomes outcomes) {
        this(receiver, capacity, transport, backoff, outcomes, m -> {
        });
    }

    DeliveryQueue(String receiver, int capacity, Transport<T> transport, Backoff backoff, DeliveryOutcomes outcomes,
                  Consumer<T> settled) {
        this.receiver = receiver;
        this.capacity = capacity;
        this.transport = transport;
        this.backoff = backoff;
        this.outcomes = outcomes;
        this.settled = settled;
    }

    /** Queues a message; never blocks. */
    void offer(T message) {
        T dropped = null;
        synchronized (this) {
            if (waiting.size() >= capacity) {
                dropped = waiting.pollFirst();
                outcomes.dropped(1);
                LOG.warnf("%s delivery queue full (%d): dropped its oldest message", receiver, capacity);
            }
            waiting.addLast(message);
            notifyAll();
        }
        if (dropped != null) {
            settled.accept(dropped);
        }
    }

    /**
     * Takes the waiting messages that match out of the queue, unsent and not reported as settled
     * (another node owns them now); the one in flight stays.
     */
    synchronized List<T> removeIf(Predicate<T> filter) {
        List<T> removed = new ArrayList<>();
        waiting.removeIf(m -> filter.test(m) && removed.add(m));
        return removed;
    }

    /** Waits until every message is delivered or {@code timeout} has passed; true when the queue is empty. */
    synchronized boolean awaitDrained(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (size() > 0) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            wait(Math.max(1, left / 1_000_000));
        }
        return true;
    }

    /** Messages not yet delivered, the one in flight included. */
    synchronized int size() {
        return waiting.size() + (head == null ? 0 : 1);
    }

    /**
     * Makes one attempt at the oldest message and returns the pause before the next attempt (zero
     * after a success), or empty when there was nothing to send. Called by the delivery thread only.
     */
    Optional<Duration> attemptNext() {
        T message;
        synchronized (this) {
            if (head == null) {
                head = waiting.pollFirst();
            }
            message = head;
        }
        if (message == null) {
            return Optional.empty();
        }
        Attempt attempt;
        try {
            attempt = transport.send(message);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.of(Duration.ZERO);
        } catch (Exception e) {
            attempt = Attempt.retry(e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()));
        }
        Duration pause = settle(attempt);
        if (attempt.verdict() != Verdict.RETRY) {
            settled.accept(message);
        }
        return Optional.of(pause);
    }

    private synchronized Duration settle(Attempt attempt) {
        switch (attempt.verdict()) {
            case SENT -> {
                head = null;
                outcomes.sent(1);
                if (backoff.failuresInARow() > 0) {
                    LOG.infof("%s took a message after %d failed attempt(s) over %s", receiver, backoff.failuresInARow(),
                            backoff.failingFor().truncatedTo(ChronoUnit.SECONDS));
                }
                backoff.reset();
                notifyAll();
                return Duration.ZERO;
            }
            case REFUSED -> {
                head = null;
                outcomes.failed(1);
                outcomes.dropped(1);
                backoff.reset();
                LOG.errorf("%s refused a message, dropping it: %s", receiver, attempt.detail());
                notifyAll();
                return Duration.ZERO;
            }
            default -> {
                outcomes.failed(1);
                Duration pause = backoff.next();
                if (attempt.retryAfter().compareTo(pause) > 0) {
                    pause = attempt.retryAfter();
                }
                LOG.logf(backoff.warnNow() ? Logger.Level.WARN : Logger.Level.DEBUG,
                        "%s delivery failed (%d in a row; %d message(s) waiting), retrying in %s: %s",
                        receiver, backoff.failuresInARow(), waiting.size() + 1, pause, attempt.detail());
                return pause;
            }
        }
    }

    /** The delivery thread's loop: waits for messages, sends them, pauses as told; ends when interrupted. */
    void run() {
        try {
            while (!Thread.currentThread().isInterrupted()) {
                synchronized (this) {
                    while (head == null && waiting.isEmpty()) {
                        wait();
                    }
                }
                Duration pause = attemptNext().orElse(Duration.ZERO);
                if (!pause.isZero()) {
                    Thread.sleep(pause.toMillis());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
