package io.replsentinel.divergence;

import io.replsentinel.event.DivergenceFinding;
import io.replsentinel.event.EventMessages;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;

/** Writes each {@link DivergenceFinding} to channel {@code divergence-out} (the divergence topic), keyed by cluster. */
@ApplicationScoped
public class DivergencePublisher {

    public static final String CHANNEL = "divergence-out";

    private final Emitter<String> emitter;
    private final EventMessages messages;
    private final String topic;

    public DivergencePublisher(@Channel(CHANNEL) @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = 1_000)
                               Emitter<String> emitter, EventMessages messages, DivergenceConfig config) {
        this.emitter = emitter;
        this.messages = messages;
        this.topic = config.topic();
    }

    public void publish(DivergenceFinding finding) {
        emitter.send(messages.message(topic, finding.cluster(), EventMessages.TYPE_DIVERGENCE,
                finding.instance() + "/" + finding.qualifiedTable(), finding));
    }
}
