package io.replsentinel.binlog;

import io.replsentinel.event.BinlogListenerState;
import io.replsentinel.event.EventMessages;
import io.replsentinel.event.GtidEvent;
import io.replsentinel.inventory.SentinelConfig;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;

/**
 * Writes each {@link GtidEvent} to channel {@code gtid-out} and each {@link BinlogListenerState} to
 * channel {@code listener-state-out}, both keyed by cluster so one consumer sees a cluster in order.
 */
@ApplicationScoped
public class GtidPublisher {

    public static final String GTID_CHANNEL = "gtid-out";
    public static final String STATE_CHANNEL = "listener-state-out";

    private final Emitter<String> gtids;
    private final Emitter<String> states;
    private final EventMessages messages;
    private final SentinelConfig.Topics topics;

    public GtidPublisher(@Channel(GTID_CHANNEL) @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = 100_000)
                         Emitter<String> gtids,
                         @Channel(STATE_CHANNEL) @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = 10_000)
                         Emitter<String> states,
                         EventMessages messages, SentinelConfig config) {
        this.gtids = gtids;
        this.states = states;
        this.messages = messages;
        this.topics = config.topics();
    }

    public void publish(GtidEvent event) {
        gtids.send(messages.message(topics.gtid(), event.cluster(), EventMessages.TYPE_GTID, event.instance(), event));
    }

    public void publish(BinlogListenerState state) {
        states.send(messages.message(topics.listeners(), state.cluster(), EventMessages.TYPE_LISTENER_STATE,
                state.instance(), state));
    }
}
