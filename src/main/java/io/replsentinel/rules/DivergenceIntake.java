package io.replsentinel.rules;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.MeterRegistry;
import io.replsentinel.alerting.AlertDispatcher;
import io.replsentinel.divergence.DivergenceConfig;
import io.replsentinel.event.DivergenceFinding;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

import java.util.concurrent.CompletionStage;

/**
 * Reads channel {@code divergence-in} (the data checker's findings, keyed by cluster) into the
 * {@link RulesEngine}'s cluster views, where DataDivergence reads them; the alert state changes reach
 * the {@link AlertDispatcher} through {@link RulesEngine#deliver}, only once the alert state holds
 * them with the sinks still to take them, as a status's changes do. A record it cannot read goes to the dead-letter topic.
 */
@ApplicationScoped
public class DivergenceIntake {

    public static final String CHANNEL = "divergence-in";
    private static final Logger LOG = Logger.getLogger(DivergenceIntake.class);

    private final ObjectMapper json;
    private final RulesEngine engine;
    private final MeterRegistry registry;
    private final String topic;

    public DivergenceIntake(ObjectMapper json, RulesEngine engine, MeterRegistry registry,
                            DivergenceConfig config) {
        this.json = json;
        this.engine = engine;
        this.registry = registry;
        this.topic = config.topic();
    }

    @Incoming(CHANNEL)
    public CompletionStage<Void> onFinding(Message<String> message) {
        registry.counter("sentinel_events_consumed_total", "topic", topic).increment();
        DivergenceFinding finding;
        try {
            finding = json.readValue(message.getPayload(), DivergenceFinding.class);
            if (finding.cluster() == null || finding.instance() == null || finding.rangeId() == null
                    || finding.state() == null || finding.checkedAt() == null) {
                throw new IllegalArgumentException("cluster, instance, rangeId, state and checkedAt are required");
            }
        } catch (Exception e) {
            registry.counter("sentinel_events_dead_lettered_total", "topic", topic, "reason", "malformed").increment();
            LOG.warnf("Dead-lettering a record of %s: %s", topic, e.getMessage());
            return message.nack(new MalformedRecordException("malformed", String.valueOf(e.getMessage())));
        }
        // the same bookkeeping as a status's changes: recorded per sink, persisted, then delivered and acked
        return engine.deliver(finding).thenCompose(x -> message.ack());
    }
}
