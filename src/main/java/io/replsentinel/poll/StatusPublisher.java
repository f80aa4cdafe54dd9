package io.replsentinel.poll;

import io.replsentinel.binlog.ServerIdRegistry;
import io.replsentinel.event.EventMessages;
import io.replsentinel.event.ReplicationStatus;
import io.replsentinel.inventory.SentinelConfig;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;

/** Writes each poll's {@link ReplicationStatus} to channel {@code status-out}, keyed by cluster. */
@ApplicationScoped
public class StatusPublisher {

    public static final String CHANNEL = "status-out";

    private final Emitter<String> emitter;
    private final EventMessages messages;
    private final String topic;
    private final ServerIdRegistry serverIds;

    public StatusPublisher(@Channel(CHANNEL) @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = 10_000)
                           Emitter<String> emitter, EventMessages messages, SentinelConfig config,
                           ServerIdRegistry serverIds) {
        this.emitter = emitter;
        this.messages = messages;
        this.topic = config.topics().status();
        this.serverIds = serverIds;
    }

    public void publish(ReplicationStatus status) {
        // the binlog listeners pick server_ids outside every id a poll has shown
        serverIds.record(status);
        emitter.send(messages.message(topic, status.cluster(), EventMessages.TYPE_STATUS, status.instance(), status));
    }
}
