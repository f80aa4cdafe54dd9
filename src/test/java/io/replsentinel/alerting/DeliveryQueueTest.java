package io.replsentinel.alerting;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ConnectException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** Ordered delivery with retries, driven attempt by attempt against a scripted receiver: nothing sleeps. */
class DeliveryQueueTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final ScriptedReceiver receiver = new ScriptedReceiver();

    private DeliveryQueue<String> queue(int capacity) {
        return new DeliveryQueue<>("Test", capacity, receiver, new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(8)),
                new DeliveryOutcomes(registry, "slack"));
    }

    @Test
    void receiverDown_retriesTheSameMessageWithDoublingPausesCappedAtTheMaximum() {
        DeliveryQueue<String> queue = queue(10);
        queue.offer("m1");
        receiver.down(6);

        List<Duration> pauses = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            pauses.add(queue.attemptNext().orElseThrow());
        }

        assertThat(pauses).containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(4),
                Duration.ofSeconds(8), Duration.ofSeconds(8), Duration.ofSeconds(8));
        assertThat(receiver.attempted).containsOnly("m1");
        assertThat(queue.size()).isEqualTo(1);
        assertThat(count("failed")).isEqualTo(6);
        assertThat(count("sent")).isZero();
    }

    @Test
    void receiverBack_getsEveryMessageInOrderAndTheBackoffStartsOver() {
        DeliveryQueue<String> queue = queue(10);
        queue.offer("firing");
        receiver.down(3);
        drainUntilEmpty(queue);
        queue.offer("resolved");
        queue.offer("other");

        drainUntilEmpty(queue);

        assertThat(receiver.delivered).containsExactly("firing", "resolved", "other");
        assertThat(count("sent")).isEqualTo(3);
        assertThat(count("failed")).isEqualTo(3);
        receiver.down(1);
        queue.offer("later");
        assertThat(queue.attemptNext()).contains(Duration.ofSeconds(1));
    }

    @Test
    void overflow_dropsTheOldestWaitingMessageAndCountsIt_neverTheOneInFlight() {
        DeliveryQueue<String> queue = queue(2);
        queue.offer("m1");
        receiver.down(1);
        queue.attemptNext();
        queue.offer("m2");
        queue.offer("m3");
        queue.offer("m4");

        drainUntilEmpty(queue);

        assertThat(receiver.delivered).containsExactly("m1", "m3", "m4");
        assertThat(count("dropped")).isEqualTo(1);
    }

    @Test
    void refusedMessage_isDroppedAtOnceSoItCannotHoldUpTheRest() {
        DeliveryQueue<String> queue = queue(10);
        queue.offer("malformed");
        queue.offer("good");
        receiver.script.add(DeliveryQueue.Attempt.refused("HTTP 400: invalid_payload"));

        assertThat(queue.attemptNext()).contains(Duration.ZERO);
        drainUntilEmpty(queue);

        assertThat(receiver.delivered).containsExactly("good");
        assertThat(count("dropped")).isEqualTo(1);
        assertThat(count("failed")).isEqualTo(1);
    }

    @Test
    void rateLimited_waitsAtLeastWhatTheReceiverAsked() {
        DeliveryQueue<String> queue = queue(10);
        queue.offer("m1");
        receiver.script.add(DeliveryQueue.Attempt.retryAfter(Duration.ofSeconds(30), "HTTP 429"));
        receiver.script.add(DeliveryQueue.Attempt.retryAfter(Duration.ZERO, "HTTP 429"));

        assertThat(queue.attemptNext()).contains(Duration.ofSeconds(30));
        assertThat(queue.attemptNext()).contains(Duration.ofSeconds(2));
    }

    @Test
    void transportException_isARetryNotALoss() {
        DeliveryQueue<String> queue = queue(10);
        queue.offer("m1");
        receiver.throwing = new ConnectException();

        assertThat(queue.attemptNext()).contains(Duration.ofSeconds(1));
        receiver.throwing = null;
        drainUntilEmpty(queue);

        assertThat(receiver.delivered).containsExactly("m1");
    }

    @Test
    void emptyQueue_hasNothingToAttempt() {
        assertThat(queue(1).attemptNext()).isEmpty();
    }

    @Test
    void backoff_rejectsAMaximumBelowTheStart() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(5), Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private void drainUntilEmpty(DeliveryQueue<String> queue) {
        for (int i = 0; i < 100; i++) {
            Optional<Duration> pause = queue.attemptNext();
            if (pause.isEmpty()) {
                return;
            }
        }
        throw new AssertionError("queue never drained");
    }

    private double count(String outcome) {
        return registry.get(DeliveryOutcomes.METRIC).tags("receiver", "slack", "outcome", outcome).counter().count();
    }

    /** Answers from its script first, then takes everything. */
    private static final class ScriptedReceiver implements DeliveryQueue.Transport<String> {
        final Deque<DeliveryQueue.Attempt> script = new ArrayDeque<>();
        final List<String> attempted = new ArrayList<>();
        final List<String> delivered = new ArrayList<>();
        IOException throwing;

        void down(int attempts) {
            for (int i = 0; i < attempts; i++) {
                script.add(DeliveryQueue.Attempt.retry("HTTP 503"));
            }
        }

        @Override
        public DeliveryQueue.Attempt send(String message) throws IOException {
            attempted.add(message);
            if (throwing != null) {
                throw throwing;
            }
            DeliveryQueue.Attempt next = script.pollFirst();
            if (next == null) {
                delivered.add(message);
                return DeliveryQueue.Attempt.sent();
            }
            return next;
        }
    }
}
