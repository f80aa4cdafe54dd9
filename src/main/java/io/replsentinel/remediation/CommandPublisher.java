package io.replsentinel.remediation;

import io.replsentinel.event.EventMessages;
import io.replsentinel.inventory.SentinelConfig;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;
import org.jboss.logging.Logger;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Writes channel {@code commands-out} (the commands topic): one signed command per record, keyed by
 * instance id, with CloudEvents headers ({@code ce_type} {@value #TYPE}).
 */
@ApplicationScoped
public class CommandPublisher {

    public static final String CHANNEL = "commands-out";
    public static final String TYPE = "io.replsentinel.command.v1";
    private static final Logger LOG = Logger.getLogger(CommandPublisher.class);

    private final Emitter<String> emitter;
    private final EventMessages messages;
    private final String topic;

    public CommandPublisher(@Channel(CHANNEL) @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = 10_000)
                            Emitter<String> emitter, EventMessages messages, SentinelConfig config) {
        this.emitter = emitter;
        this.messages = messages;
        this.topic = config.topics().commands();
    }

    /** Sends one command; completes when the broker has it, exceptionally when it refused it. */
    public CompletionStage<Void> publish(RemediationCommand command) {
        Message<String> m = messages.message(topic, command.instance(), TYPE, command.type() + " " + command.id(), command);
        CompletableFuture<Void> acked = new CompletableFuture<>();
        emitter.send(m.withAck(() -> m.ack().thenRun(() -> acked.complete(null)))
                .withNack(failure -> {
                    acked.completeExceptionally(failure);
                    return CompletableFuture.completedFuture(null);
                }));
        return acked.whenComplete((ok, failure) -> {
            if (failure != null) {
                LOG.warnf("Could not publish command %s (%s, %s) to %s: %s", command.id(), command.type(), command.state(),
                        topic, failure.getMessage());
            }
        });
    }

    public String topic() {
        return topic;
    }
}
