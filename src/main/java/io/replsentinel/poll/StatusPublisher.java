package io.replsentinel.poll;

import io.micrometer.core.instrument.Counter;
import io.replsentinel.alerting.Backoff;
import io.replsentinel.binlog.ServerIdRegistry;
import io.replsentinel.event.EventMessages;
import io.replsentinel.event.ReplicationStatus;
import io.replsentinel.inventory.SentinelConfig;
import io.replsentinel.kafka.KafkaClients;
import io.smallrye.common.annotation.Identifier;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Writes each poll's {@link ReplicationStatus} to the status topic, keyed by cluster, with the
 * CloudEvents headers every event carries ({@link EventMessages#cloudEventHeaders}).
 * <p>
 * A polling thread only writes the status's JSON and hands it over: one sending thread of its own
 * feeds a Kafka producer of the service's own. Dozens of polling threads appending to the producer
 * themselves contend on its partition queues, and the messaging connector's emitter costs each of
 * them more than the hand-over (its stream operators, context propagation, a metadata object per
 * attribute). The sending thread gathers what arrived for {@link #GATHER} before it sends the next
 * records, so that under load the polling threads hand over without waking it. A slow or absent
 * broker never blocks a polling thread: up to {@link #BUFFER} statuses wait, then {@link #publish}
 * drops the status and says so. A dropped status, and one the producer gave up on, is counted in
 * {@code sentinel_events_dropped_total{topic,reason}} ({@value #BUFFER_FULL} | {@value #WRITE_FAILED});
 * the first of a run of either is logged, and the end of the run, never each status: a broker
 * outage at 1,000 polls a second would otherwise write 1,000 log lines a second.
 */
@ApplicationScoped
public class StatusPublisher {

    private static final Logger LOG = Logger.getLogger(StatusPublisher.class);
    /** Statuses handed over and not yet given to the producer, as many as the connector's emitter buffered. */
    static final int BUFFER = 10_000;
    /** How long the sending thread gathers after each batch: well within the producer's own linger. */
    static final Duration GATHER = Duration.ofMillis(1);
    /** Reason of a status dropped because {@link #BUFFER} statuses already waited for the broker. */
    static final String BUFFER_FULL = "buffer_full";
    /** Reason of a status the producer gave up on (its delivery timeout passed, or the broker refused it). */
    static final String WRITE_FAILED = "write_failed";
    /** The pauses before a failed status producer is built again: the first, and the longest. */
    private static final Duration RETRY_FIRST = Duration.ofMillis(500);
    private static final Duration RETRY_MAX = Duration.ofSeconds(30);
    /** How long a stopping service waits for what was handed over to be sent, and then for the broker's acks. */
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);

    /** A status handed over by a polling thread. */
    private record Outgoing(String key, String subject, byte[] value, Instant time) {
    }

    private final EventMessages messages;
    private final String topic;
    private final ServerIdRegistry serverIds;
    private final Map<String, Object> kafkaConfig;
    private final Counter acked;
    private final Counter droppedFull;
    private final Counter droppedFailed;
    /** Statuses dropped since the buffer last had room: the first is logged, and the count once it has room again. */
    private final AtomicLong refused = new AtomicLong();
    private final Duration closeTimeout;
    private final BlockingQueue<Outgoing> queue = new ArrayBlockingQueue<>(BUFFER);
    private final Thread sender;
    private volatile boolean closed;
    /** Whether the last write failed: the first failure is logged, and the recovery, not each record. */
    private final AtomicBoolean failing = new AtomicBoolean();
    private KafkaProducer<String, byte[]> producer;

    @Inject
    public StatusPublisher(EventMessages messages, SentinelConfig config, ServerIdRegistry serverIds,
                           @Identifier("default-kafka-broker") Map<String, Object> kafkaConfig) {
        this(messages, config.topics().status(), serverIds, kafkaConfig, CLOSE_TIMEOUT);
    }

    StatusPublisher(EventMessages messages, String topic, ServerIdRegistry serverIds, Map<String, Object> kafkaConfig,
                    Duration closeTimeout) {
        this.closeTimeout = closeTimeout;
        this.messages = messages;
        this.topic = topic;
        this.serverIds = serverIds;
        this.kafkaConfig = kafkaConfig;
        this.acked = messages.publishedCounter(topic);
        this.droppedFull = messages.droppedCounter(topic, BUFFER_FULL);
        this.droppedFailed = messages.droppedCounter(topic, WRITE_FAILED);
        this.sender = new Thread(this::send, "status-sender");
        sender.setDaemon(true);
        sender.start();
    }

    /**
     * Hands a status over to the sending thread; never blocks.
     *
     * @return false when it was dropped: {@link #BUFFER} statuses already wait for the broker
     * @throws IllegalStateException when the service is stopping
     */
    public boolean publish(ReplicationStatus status) {
        // the binlog listeners pick server_ids outside every id a poll has shown
        serverIds.record(status);
        if (closed) {
            throw new IllegalStateException("the status publisher is closed");
        }
        Outgoing out = new Outgoing(status.cluster(), status.instance(), messages.json(status), Instant.now());
        if (!queue.offer(out)) {
            droppedFull.increment();
            if (refused.getAndIncrement() == 0) {
                LOG.warnf("%d statuses are waiting for %s: statuses are dropped, starting with that of %s, until the broker "
                        + "takes them again", BUFFER, topic, status.instance());
            }
            return false;
        }
        if (refused.get() != 0) {
            long dropped = refused.getAndSet(0);
            if (dropped > 0) {
                LOG.infof("Statuses are handed to %s again; %d were dropped", topic, dropped);
            }
        }
        return true;
    }

    /**
     * The sending thread. A producer that cannot be built (the broker's name does not resolve yet,
     * a setting the client refuses) or that is left in a fatal state drops the batch in hand
     * ({@value #WRITE_FAILED}) and is built again after a pause ({@link Backoff}); the thread goes
     * on until the service stops, so that a broker reachable again is written to again.
     */
    private void send() {
        List<Outgoing> batch = new ArrayList<>();
        Backoff backoff = new Backoff(RETRY_FIRST, RETRY_MAX);
        while (!closed || !queue.isEmpty()) {
            int handed = 0; // records of the batch the producer took: their callbacks count them
            try {
                Outgoing first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch);
                KafkaProducer<String, byte[]> p = producer();
                for (Outgoing out : batch) {
                    p.send(new ProducerRecord<>(topic, null, out.key(), out.value(),
                            EventMessages.cloudEventHeaders(EventMessages.TYPE_STATUS, out.subject(), out.time())),
                            (meta, e) -> written(out, e));
                    handed++;
                }
                batch.clear();
                if (backoff.failuresInARow() > 0) {
                    LOG.infof("The status producer works again after %d failure(s) in %d s", backoff.failuresInARow(),
                            backoff.failingFor().toSeconds());
                    backoff.reset();
                }
                if (!closed) {
                    Thread.sleep(GATHER.toMillis());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                if (closed) {
                    // the producer closed under it: the service is stopping
                    LOG.debugf("The status sender stops; %d statuses were not written: %s", batch.size() + queue.size(), e);
                    return;
                }
                droppedFailed.increment(batch.size() - handed);
                batch.clear();
                discardProducer();
                Duration pause = backoff.next();
                if (backoff.warnNow()) {
                    LOG.errorf("The status producer failed%s: statuses are dropped until it works again, next attempt in %d ms: %s",
                            backoff.failuresInARow() == 1 ? "" : String.format(" (%d times in a row, for %d s)",
                                    backoff.failuresInARow(), backoff.failingFor().toSeconds()), pause.toMillis(), causes(e));
                }
                try {
                    Thread.sleep(pause.toMillis());
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** A failure and what caused it, down to the first cause ("Failed to construct kafka producer" says little alone). */
    private static String causes(Throwable e) {
        return io.replsentinel.Causes.chain(e).stream().map(String::valueOf)
                .collect(java.util.stream.Collectors.joining(": "));
    }

    /** A record's outcome: acked, or given up on by the producer. */
    private void written(Outgoing out, Exception e) {
        if (e == null) {
            acked.increment();
            if (failing.getAndSet(false)) {
                LOG.infof("Statuses are written to %s again", topic);
            }
        } else {
            droppedFailed.increment();
            if (!failing.getAndSet(true)) {
                LOG.errorf("The status of %s was not written to %s, nor are the next ones until this says otherwise: %s",
                        out.subject(), topic, e.toString());
            }
        }
    }

    /** Closes a producer that failed, without waiting: the next batch builds a new one. */
    private synchronized void discardProducer() {
        if (producer != null) {
            try {
                producer.close(Duration.ZERO);
            } catch (RuntimeException e) {
                LOG.debugf("Closing the failed status producer: %s", e);
            }
            producer = null;
        }
    }

    private synchronized KafkaProducer<String, byte[]> producer() {
        if (producer == null) {
            producer = new KafkaProducer<>(KafkaClients.config(kafkaConfig, ProducerConfig.configNames(), Map.of(
                    ProducerConfig.ACKS_CONFIG, "all",
                    ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                    ProducerConfig.CLIENT_ID_CONFIG, "repl-sentinel-status")),
                    new StringSerializer(), new ByteArraySerializer());
        }
        return producer;
    }

    /** Sends what was handed over, then closes the producer once what it holds is acknowledged or timed out. */
    @PreDestroy
    void close() throws InterruptedException {
        closed = true;
        sender.join(closeTimeout.toMillis());
        synchronized (this) {
            if (producer != null) {
                producer.close(closeTimeout);
                producer = null;
            }
        }
    }
}
