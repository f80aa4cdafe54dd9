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
    void brokerThatNeverAnswers_neverBlocksAPollingThread_theBufferFillsAndThenPublishRefuses() throws Exception {
        try (ServerSocket silent = new ServerSocket(0)) {
            StatusPublisher publisher = new StatusPublisher(
                    new EventMessages(new ObjectMapper().registerModule(new JavaTimeModule()), new SimpleMeterRegistry()),
                    "status-test", new ServerIdRegistry(),
                    // the producer gives up each unanswered request after a second, so that closing it takes no longer
                    Map.of("bootstrap.servers", "127.0.0.1:" + silent.getLocalPort(), "max.block.ms", 60_000,
                            "request.timeout.ms", 1_000),
                    Duration.ofMillis(200));
            try {
                ReplicationStatus status = ReplicationStatus.builder("c1", "127.0.0.1:1").observedAt(Instant.now())
                        .reachable(true).flavor("mysql").build();
                int accepted = 0;
                IllegalStateException refused = null;
                // the sender takes what it can before it waits on the broker; then the buffer fills
                for (int i = 0; i < 3 * StatusPublisher.BUFFER && refused == null; i++) {
                    try {
                        publisher.publish(status);
                        accepted++;
                    } catch (IllegalStateException e) {
                        refused = e;
                    }
                }
                assertThat(refused).as("a publish past the buffer is refused at once").isNotNull()
                        .hasMessageContaining("statuses are already waiting for the broker");
                assertThat(accepted).isBetween(StatusPublisher.BUFFER, 2 * StatusPublisher.BUFFER);
                assertThatThrownBy(() -> publisher.publish(status)).isInstanceOf(IllegalStateException.class);
            } finally {
                publisher.close();
            }
        }
    }
}
