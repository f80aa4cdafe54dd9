package io.replsentinel.poll;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.replsentinel.binlog.ServerIdRegistry;
import io.replsentinel.event.EventMessages;
import io.replsentinel.event.ReplicationStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The status publisher against a broker that takes the connection and never answers (a socket
 * nobody reads): the producer waits for the topic's metadata, and the polling threads go on.
 */
class StatusPublisherTest {

    @Test
    @Timeout(60)
    void brokerThatNeverAnswers_neverBlocksAPollingThread_theBufferFillsAndThenStatusesAreDroppedAndCounted() throws Exception {
        try (ServerSocket silent = new ServerSocket(0)) {
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            StatusPublisher publisher = new StatusPublisher(
                    new EventMessages(new ObjectMapper().registerModule(new JavaTimeModule()), registry),
                    "status-test", new ServerIdRegistry(),
                    // the producer gives up each unanswered request after a second, so that closing it takes no longer
                    Map.of("bootstrap.servers", "127.0.0.1:" + silent.getLocalPort(), "max.block.ms", 60_000,
                            "request.timeout.ms", 1_000),
                    Duration.ofMillis(200));
            try {
                ReplicationStatus status = ReplicationStatus.builder("c1", "127.0.0.1:1").observedAt(Instant.now())
                        .reachable(true).flavor("mysql").build();
                int accepted = 0;
                int dropped = 0;
                // the sender takes what it can before it waits on the broker; then the buffer fills
                for (int i = 0; i < 3 * StatusPublisher.BUFFER; i++) {
                    if (publisher.publish(status)) {
                        accepted++;
                    } else {
                        dropped++;
                    }
                }
                assertThat(accepted).isBetween(StatusPublisher.BUFFER, 2 * StatusPublisher.BUFFER);
                assertThat(dropped).as("each publish past the buffer is refused at once").isEqualTo(3 * StatusPublisher.BUFFER - accepted);
                assertThat(registry.get("sentinel_events_dropped_total").tags("topic", "status-test", "reason", "buffer_full")
                        .counter().count()).isEqualTo(dropped);
                assertThat(registry.get("sentinel_events_published_total").tags("topic", "status-test").counter().count()).isZero();
            } finally {
                publisher.close();
            }
            assertThatThrownBy(() -> publisher.publish(ReplicationStatus.builder("c1", "127.0.0.1:1").observedAt(Instant.now())
                    .reachable(true).flavor("mysql").build())).as("a stopping service's publisher").isInstanceOf(IllegalStateException.class);
        }
    }
}
