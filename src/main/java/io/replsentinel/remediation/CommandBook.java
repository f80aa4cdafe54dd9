package io.replsentinel.remediation;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.MeterRegistry;
import io.replsentinel.inventory.SentinelConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * The latest state of every command, on every node: reads channel {@code commands-in} (the whole
 * commands topic, in a consumer group of this process alone) and keeps, per id, the newest state
 * whose signature verifies. Every change made here ({@link #approve}, {@link #reject},
 * {@link #record}, a new proposal) is signed again and published on the commands topic, so every
 * node's book follows. A record whose signature does not verify is never trusted: an unknown id is
 * kept as {@code refused}, a known one keeps its genuine state. Refusals stay local (each node
 * refuses the same records on its own), never published: a published refusal read by a node with
 * another key would be refused again, and so on forever. Tells the executor of commands that
 * became runnable with the {@link CommandRunnable} event.
 */
@ApplicationScoped
public class CommandBook {

    public static final String CHANNEL = "commands-in";
    static final String REFUSED_RESULT = "refused: the signature does not verify, so this service did not produce this "
            + "command (or it was changed since); it is never run";
    private static final Logger LOG = Logger.getLogger(CommandBook.class);

    private final Map<String, RemediationCommand> commands = new LinkedHashMap<>();
    private final CommandSigner signer;
    private final CommandPublisher publisher;
    private final Event<CommandRunnable> runnable;
    private final ObjectMapper json;
    private final MeterRegistry registry;
    private final String topic;

    public CommandBook(RemediationSigning signing, CommandPublisher publisher, Event<CommandRunnable> runnable,
                       ObjectMapper json, MeterRegistry registry, SentinelConfig config) {
        this.signer = signing.signer();
        this.publisher = publisher;
        this.runnable = runnable;
        this.json = json;
        this.registry = registry;
        this.topic = config.topics().commands();
    }

    /** Commands of {@code cluster} in {@code state}, oldest first; a null filter matches any. */
    public synchronized List<RemediationCommand> list(String cluster, CommandState state) {
        return commands.values().stream()
                .filter(c -> cluster == null || cluster.equals(c.cluster()))
                .filter(c -> state == null || state == c.state())
                .sorted(Comparator.comparing(RemediationCommand::createdAt, Comparator.nullsFirst(Comparator.naturalOrder())))
                .toList();
    }

    /** The latest state of one command. */
    public synchronized Optional<RemediationCommand> find(String id) {
        return Optional.ofNullable(commands.get(id));
    }

    /**
     * Approves a proposed command on behalf of {@code principal} (the API's token name).
     *
     * @throws CommandNotFoundException          unknown id
     * @throws IllegalCommandTransitionException not proposed any more, or {@code manual} (run by hand only)
     */
    public RemediationCommand approve(String id, String principal) {
        RemediationCommand current = require(id);
        if (current.safety() == Safety.manual) {
            throw new IllegalCommandTransitionException("command " + id + " is " + current.type()
                    + ", a manual command: the service never runs it, so it cannot be approved; run its steps by hand");
        }
        if (current.state() != CommandState.proposed) {
            throw new IllegalCommandTransitionException("command " + id + " is " + current.state() + ", not proposed");
        }
        return record(current.withState(CommandState.approved, "approved by " + principal, principal));
    }

    /**
     * Rejects an open command: it will never run.
     *
     * @throws CommandNotFoundException          unknown id
     * @throws IllegalCommandTransitionException already in a final state
     */
    public RemediationCommand reject(String id, String principal, String why) {
        RemediationCommand current = require(id);
        String result = "rejected by " + principal + (why == null || why.isBlank() ? "" : ": " + why);
        return record(current.withState(CommandState.rejected, result, principal));
    }

    /**
     * Records a new state (and result, approver) of a known command: signs it again, keeps it and
     * publishes it. Only {@code state}, {@code result} and {@code approvedBy} may change.
     *
     * @throws CommandNotFoundException          unknown id
     * @throws IllegalCommandTransitionException the life of a command does not allow this change
     * @throws IllegalArgumentException          anything else of the command differs
     */
    public RemediationCommand record(RemediationCommand updated) {
        RemediationCommand signed;
        boolean nowRunnable;
        synchronized (this) {
            RemediationCommand current = require(updated.id());
            if (!current.sameCommand(updated)) {
                throw new IllegalArgumentException("command " + updated.id()
                        + ": only state, result and approvedBy may change when recording it");
            }
            if (!CommandTransitions.allowed(current, updated.state())) {
                throw new IllegalCommandTransitionException("command " + updated.id() + " cannot go from "
                        + current.state() + " to " + updated.state());
            }
            signed = signer.sign(updated);
            commands.put(signed.id(), signed);
            nowRunnable = CommandTransitions.runnable(signed) && !CommandTransitions.runnable(current);
        }
        publisher.publish(signed);
        if (nowRunnable) {
            runnable.fireAsync(new CommandRunnable(signed));
        }
        return signed;
    }

    /**
     * Adds a new proposal: signs it, keeps it and publishes it; a command with its id already known
     * (the same alert episode proposed again, by this node or another) is left as it is.
     *
     * @return the command now kept, and whether it is the new one
     */
    public Proposed propose(RemediationCommand unsigned) {
        if (unsigned.state() != CommandState.proposed) {
            throw new IllegalArgumentException("a new command is proposed, not " + unsigned.state());
        }
        RemediationCommand signed;
        synchronized (this) {
            RemediationCommand known = commands.get(unsigned.id());
            if (known != null) {
                return new Proposed(known, false);
            }
            signed = signer.sign(unsigned);
            commands.put(signed.id(), signed);
        }
        LOG.infof("Proposed %s %s on %s/%s for %s %s (%s)", signed.type(), signed.id(), signed.cluster(), signed.instance(),
                signed.reason().alertname(), signed.reason().fingerprint(), signed.safety());
        publisher.publish(signed);
        if (CommandTransitions.runnable(signed)) {
            runnable.fireAsync(new CommandRunnable(signed));
        }
        return new Proposed(signed, true);
    }

    /** What {@link #propose} kept: the command and whether it was new. */
    public record Proposed(RemediationCommand command, boolean created) {
    }

    /** Commands runnable by their safety now: open {@code auto} ones and approved ones. */
    public synchronized List<RemediationCommand> runnable() {
        return commands.values().stream().filter(CommandTransitions::runnable).toList();
    }

    /** Reads one record of the commands topic; an unreadable one goes to the dead-letter topic. */
    @Incoming(CHANNEL)
    public CompletionStage<Void> onRecord(Message<String> message) {
        registry.counter("sentinel_events_consumed_total", "topic", topic).increment();
        RemediationCommand read;
        try {
            read = json.readValue(message.getPayload(), RemediationCommand.class);
            Objects.requireNonNull(read.id(), "id is required");
        } catch (Exception e) {
            registry.counter("sentinel_events_dead_lettered_total", "topic", topic, "reason", "invalid_field").increment();
            String why = String.valueOf(e.getMessage()).split("\n")[0];
            LOG.warnf("Dead-lettering a record of %s: %s", topic, why);
            return message.nack(new IllegalArgumentException(why));
        }
        take(read);
        return message.ack();
    }

    /** Folds one command read from the topic into the book. */
    void take(RemediationCommand read) {
        RemediationCommand fire = null;
        synchronized (this) {
            RemediationCommand current = commands.get(read.id());
            if (!signer.verifies(read)) {
                registry.counter("sentinel_commands_refused_total").increment();
                if (current == null) {
                    commands.put(read.id(), read.withState(CommandState.refused, REFUSED_RESULT, null));
                    LOG.warnf("Refused command %s (%s on %s/%s) from %s: its signature does not verify", read.id(),
                            read.type(), read.cluster(), read.instance(), topic);
                } else {
                    LOG.warnf("Ignored a record of command %s from %s whose signature does not verify: it keeps its "
                            + "signed state %s", read.id(), topic, current.state());
                }
                return;
            }
            if (current == null) {
                commands.put(read.id(), read);
                fire = CommandTransitions.runnable(read) ? read : null;
            } else if (!current.sameCommand(read)) {
                LOG.warnf("Ignored a signed record of command %s that differs from the one first seen: it keeps %s",
                        read.id(), current.state());
            } else if (current.state() == read.state()) {
                commands.put(read.id(), read);
            } else if (current.state() != CommandState.refused && CommandTransitions.allowed(current, read.state())) {
                commands.put(read.id(), read);
                fire = CommandTransitions.runnable(read) && !CommandTransitions.runnable(current) ? read : null;
            } else {
                // an older state arriving after a newer one this node recorded itself: the newer stays
                LOG.debugf("Kept command %s %s over a record of it %s", read.id(), current.state(), read.state());
            }
        }
        if (fire != null) {
            runnable.fireAsync(new CommandRunnable(fire));
        }
    }

    private synchronized RemediationCommand require(String id) {
        RemediationCommand c = commands.get(id);
        if (c == null) {
            throw new CommandNotFoundException(id);
        }
        return c;
    }
}
