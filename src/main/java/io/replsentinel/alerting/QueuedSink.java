package io.replsentinel.alerting;

import io.replsentinel.event.Alert;

import java.time.Duration;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * An {@link AlertSink} whose changes go out one by one, in order, through a {@link DeliveryQueue}
 * on a thread of its own.
 */
final class QueuedSink implements AlertSink {

    private final String name;
    private final DeliveryQueue<Alert> queue;
    private volatile Consumer<Alert> settled = c -> {
    };
    private Thread worker;

    QueuedSink(String name, String receiver, int capacity, DeliveryQueue.Transport<Alert> transport, Backoff backoff,
               DeliveryOutcomes outcomes) {
        this.name = name;
        this.queue = new DeliveryQueue<>(receiver, capacity, transport, backoff, outcomes, c -> settled.accept(c));
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public boolean enabled() {
        return true;
    }

    @Override
    public void listen(Consumer<Alert> settled) {
        this.settled = settled;
    }

    @Override
    public synchronized void start() {
        if (worker != null) {
            return;
        }
        worker = new Thread(queue::run, name + "-delivery");
        worker.setDaemon(true);
        worker.start();
    }

    @Override
    public void offer(Alert change) {
        queue.offer(change);
    }

    @Override
    public void forget(Predicate<Alert> filter) {
        queue.removeIf(filter);
    }

    @Override
    public boolean awaitDrained(Duration timeout) throws InterruptedException {
        return queue.awaitDrained(timeout);
    }

    @Override
    public synchronized void stop() {
        if (worker != null) {
            worker.interrupt();
        }
    }

    /** Changes not yet delivered, the one in flight included. */
    int waiting() {
        return queue.size();
    }
}
