package io.replsentinel.rules;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.MeterRegistry;
import io.replsentinel.alerting.AlertDispatcher;
import io.replsentinel.event.Alert;
import io.replsentinel.event.ReplicationStatus;
import io.replsentinel.inventory.SentinelConfig;
import io.replsentinel.metrics.InstanceMetrics;
import io.replsentinel.rules.user.UserRules;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Reads channel {@code status-in} (the status topic, as a consumer group), keeps the latest status
 * of each instance per cluster, runs the detector catalogue over the cluster and hands every alert
 * state change to the {@link AlertDispatcher}; the user's own rules ({@link UserRules}) run after the
 * built-in ones. A record it cannot read is nacked: the channel's dead-letter strategy moves it to
 * the DLQ topic with the reason, and processing continues.
 */
@ApplicationScoped
public class RulesEngine {

    public static final String CHANNEL = "status-in";
    public static final String GTID_CHANNEL = "gtid-in";
    public static final String LISTENER_CHANNEL = "listener-state-in";
    /** Transactions can arrive by the thousand per second: the cluster is evaluated at most this often for them. */
    private static final java.time.Duration STREAM_EVALUATION_INTERVAL = java.time.Duration.ofMillis(100);
    private static final Logger LOG = Logger.getLogger(RulesEngine.class);

    private final StatusReader reader;
    private final ObjectMapper json;
    private final TransactionLag transactionLag;
    private final AlertDispatcher dispatcher;
    private final MeterRegistry registry;
    private final SentinelConfig config;
    private final UserRules userRules;
    private final InstanceMetrics metrics;
    private final List<Detector> detectors;
    private final Map<String, ClusterState> clusters = new ConcurrentHashMap<>();

    public RulesEngine(ObjectMapper json, AlertDispatcher dispatcher, MeterRegistry registry, SentinelConfig config,
                       UserRules userRules, InstanceMetrics metrics) {
        this.reader = new StatusReader(json);
        this.json = json;
        this.transactionLag = new TransactionLag(registry);
        this.metrics = metrics;
        this.dispatcher = dispatcher;
        this.registry = registry;
        this.config = config;
        this.userRules = userRules;
        List<Detector> all = new ArrayList<>(DetectorCatalogue.all(DetectorSettings.from(config.rules())));
        all.addAll(userRules.detectors());
        this.detectors = List.copyOf(all);
    }

    @Incoming(CHANNEL)
    public CompletionStage<Void> onStatus(Message<String> message) {
        String topic = config.topics().status();
        registry.counter("sentinel_events_consumed_total", "topic", topic).increment();
        ReplicationStatus status;
        try {
            status = reader.read(message.getPayload());
        } catch (MalformedRecordException e) {
            registry.counter("sentinel_events_dead_lettered_total", "topic", topic, "reason", e.reason()).increment();
            LOG.warnf("Dead-lettering a record of %s: %s", topic, e.getMessage());
            return message.nack(e);
        }
        List<Alert> changes;
        try {
            changes = evaluate(status);
        } catch (RuntimeException e) {
            registry.counter("sentinel_events_dead_lettered_total", "topic", topic, "reason", "evaluation_error").increment();
            LOG.errorf(e, "Dead-lettering a status of %s/%s the detectors could not evaluate", status.cluster(), status.instance());
            return message.nack(new MalformedRecordException("evaluation_error", String.valueOf(e)));
        }
        dispatcher.dispatch(changes);
        return message.ack();
    }

    /** Reads channel {@code gtid-in} (the GTID topic): one transaction of one instance's binlog. */
    @Incoming(GTID_CHANNEL)
    public CompletionStage<Void> onTransaction(Message<String> message) {
        return onStreamRecord(message, config.topics().gtid(), io.replsentinel.event.GtidEvent.class,
                io.replsentinel.event.GtidEvent::cluster, (view, e) -> {
                    view.stream().add(e);
                    transactionLag.record(view, e);
                },
                io.replsentinel.event.GtidEvent::seenAt, false);
    }

    /** Reads channel {@code listener-state-in}: a binlog listener's state, evaluated at once. */
    @Incoming(LISTENER_CHANNEL)
    public CompletionStage<Void> onListenerState(Message<String> message) {
        return onStreamRecord(message, config.topics().listeners(), io.replsentinel.event.BinlogListenerState.class,
                io.replsentinel.event.BinlogListenerState::cluster, (view, s) -> view.stream().update(s),
                io.replsentinel.event.BinlogListenerState::observedAt, true);
    }

    private <T> CompletionStage<Void> onStreamRecord(Message<String> message, String topic, Class<T> type,
            java.util.function.Function<T, String> cluster, java.util.function.BiConsumer<ClusterView, T> fold,
            java.util.function.Function<T, Instant> time, boolean always) {
        registry.counter("sentinel_events_consumed_total", "topic", topic).increment();
        T event;
        try {
            event = json.readValue(message.getPayload(), type);
            if (event == null || cluster.apply(event) == null || time.apply(event) == null) {
                throw new IllegalArgumentException("cluster or time missing");
            }
        } catch (Exception e) {
            registry.counter("sentinel_events_dead_lettered_total", "topic", topic, "reason", "invalid_field").increment();
            LOG.warnf("Dead-lettering a record of %s: %s", topic, String.valueOf(e.getMessage()).split("\n")[0]);
            return message.nack(new MalformedRecordException("invalid_field", String.valueOf(e.getMessage())));
        }
        ClusterState state = clusters.computeIfAbsent(cluster.apply(event), c -> new ClusterState(c, trackerSettings()));
        List<Alert> changes = List.of();
        synchronized (state) {
            fold.accept(state.view, event);
            long now = System.nanoTime();
            if (always || now - state.lastStreamEvaluation > STREAM_EVALUATION_INTERVAL.toNanos()) {
                state.lastStreamEvaluation = now;
                changes = evaluateView(state, time.apply(event));
            }
        }
        dispatcher.dispatch(changes);
        return message.ack();
    }

    /** Folds one status into its cluster's view and returns the alert state changes it causes. */
    public List<Alert> evaluate(ReplicationStatus status) {
        ClusterState state = clusters.computeIfAbsent(status.cluster(), c -> new ClusterState(c, trackerSettings()));
        synchronized (state) {
            if (!state.view.update(status)) {
                return List.of();
            }
            return evaluateView(state, status.observedAt());
        }
    }

    private List<Alert> evaluateView(ClusterState state, Instant eventTime) {
        {
            List<Finding> findings = new ArrayList<>();
            for (Detector d : detectors) {
                findings.addAll(d.detect(state.view));
            }
            recordErrantCounts(state.view, findings);
            // event time, not arrival time: a backlog replayed after a restart keeps its for: and holds
            state.time = state.time == null || eventTime.isAfter(state.time) ? eventTime : state.time;
            return state.tracker.evaluate(state.view, findings, state.time);
        }
    }

    private void recordErrantCounts(ClusterView view, List<Finding> findings) {
        if (metrics == null) {
            return;
        }
        Map<String, Long> counts = new HashMap<>();
        for (Finding f : findings) {
            if (DetectorCatalogue.ERRANT_TRANSACTIONS.equals(f.alertname())
                    && f.evidence().get("errantCount") instanceof Number n) {
                counts.put(f.instance(), n.longValue());
            }
        }
        for (ReplicationStatus s : view.reachable()) {
            metrics.recordErrant(s.cluster(), s.instance(), counts.getOrDefault(s.instance(), 0L));
        }
    }

    /** The firing alerts of one cluster. */
    public List<Alert> firing(String cluster) {
        ClusterState state = clusters.get(cluster);
        if (state == null) {
            return List.of();
        }
        synchronized (state) {
            return state.tracker.firing();
        }
    }

    /** The latest statuses of one cluster's instances, as the engine sees them. */
    public Optional<List<ReplicationStatus>> statuses(String cluster) {
        ClusterState state = clusters.get(cluster);
        if (state == null) {
            return Optional.empty();
        }
        synchronized (state) {
            return Optional.of(List.copyOf(state.view.instances()));
        }
    }

    /** Roles and replication edges of one cluster as the servers show them. */
    public Optional<ObservedTopology> topology(String cluster) {
        ClusterState state = clusters.get(cluster);
        if (state == null) {
            return Optional.empty();
        }
        synchronized (state) {
            return Optional.of(ObservedTopology.of(state.view));
        }
    }

    private AlertTracker.Settings trackerSettings() {
        SentinelConfig.Rules rules = config.rules();
        return new AlertTracker.Settings(
                alertname -> userRules.forDuration(alertname).orElseGet(() -> rules.forByAlert().getOrDefault(alertname,
                        DetectorCatalogue.REPLICATION_IO_THREAD_CONNECTING.equals(alertname)
                                ? rules.ioConnectingThreshold() : rules.forDuration())),
                rules.keepFiringFor(), rules.runbookBaseUrl(), config.api().externalUrl());
    }

    private static final class ClusterState {
        final ClusterView view;
        final AlertTracker tracker;
        /** The newest poll time seen in this cluster: the clock its alert lifecycle runs on. */
        Instant time;
        long lastStreamEvaluation;

        ClusterState(String cluster, AlertTracker.Settings settings) {
            this.view = new ClusterView(cluster);
            this.tracker = new AlertTracker(settings);
        }
    }
}
