package io.replsentinel.poll;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.replsentinel.binlog.ServerIdRegistry;
import io.replsentinel.event.EventMessages;
import io.replsentinel.event.ReplicationStatus;
import io.replsentinel.kafka.EmbeddedKafkaBroker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

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

    @Test
    @Timeout(120)
    void producerThatCannotBeBuilt_dropsWhatItHeldAndIsBuiltAgain_untilStatusesReachTheBroker(@TempDir Path dir) throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        // read again on every build: the first ones fail (no port), then the broker is named
        Map<String, Object> kafka = new ConcurrentHashMap<>(Map.of("bootstrap.servers", "127.0.0.1"));
        StatusPublisher publisher = new StatusPublisher(
                new EventMessages(new ObjectMapper().registerModule(new JavaTimeModule()), registry),
                "status-test", new ServerIdRegistry(), kafka, Duration.ofSeconds(5));
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(dir.resolve("kafka"), 0)) {
            ReplicationStatus status = ReplicationStatus.builder("c1", "127.0.0.1:1").observedAt(Instant.now())
                    .reachable(true).flavor("mysql").build();
            Counter failed = registry.get("sentinel_events_dropped_total").tags("topic", "status-test", "reason", "write_failed").counter();
            Counter published = registry.get("sentinel_events_published_total").tags("topic", "status-test").counter();
            assertThat(publisher.publish(status)).isTrue();
            await().atMost(Duration.ofSeconds(30)).until(() -> failed.count() == 1);
            // the sender outlived the failure: the next status is taken and dropped in turn
            assertThat(publisher.publish(status)).isTrue();
            await().atMost(Duration.ofSeconds(30)).until(() -> failed.count() == 2);

            kafka.put("bootstrap.servers", broker.bootstrapServers());
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
                publisher.publish(status);
                return published.count() > 0;
            });
            assertThat(registry.get("sentinel_events_dropped_total").tags("reason", "buffer_full").counter().count()).isZero();
        } finally {
            publisher.close();
        }
    }
}
