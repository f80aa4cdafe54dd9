package io.replsentinel.alerting;

import io.replsentinel.event.Alert;

import java.time.Duration;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * One destination of alert state changes (the API's store, the alerts topic, Alertmanager, Slack)
 * with an outbox of its own: {@link #offer} returns at once and the sink's own thread delivers,
 * retrying with {@link Backoff} until the receiver takes the change, so a failing sink never holds
 * up the others or the rules engine. Each change's end is reported to the listener given to
 * {@link #listen}.
 */
interface AlertSink {

    /** The name under which undelivered changes are recorded in the alert state: stable, it is persisted. */
    String name();

    /** Whether this sink is configured at all. */
    boolean enabled();

    /** Whether this sink wants this change (Slack may skip the less severe). */
    default boolean takes(Alert change) {
        return true;
    }

    /** Who hears of every change this sink is done with (taken, or given up on); set before any offer. */
    void listen(Consumer<Alert> settled);

    /** Starts the delivery thread; changes offered before wait for it. */
    void start();

    /** Queues one change; returns at once. */
    void offer(Alert change);

    /** Drops waiting changes that match, unsent: their cluster moved to another node, which sends them. */
    void forget(Predicate<Alert> filter);

    /** Waits until nothing waits for delivery, or {@code timeout}; true when drained. */
    boolean awaitDrained(Duration timeout) throws InterruptedException;

    /** Stops the delivery thread; what it still holds stays recorded as undelivered in the alert state. */
    void stop();
}
