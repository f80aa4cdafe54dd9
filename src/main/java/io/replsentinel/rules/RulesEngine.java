package io.replsentinel.rules;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.replsentinel.alerting.AlertDispatcher;
import io.replsentinel.event.Alert;
import io.replsentinel.event.DivergenceFinding;
import io.replsentinel.event.ReplicationStatus;
import io.replsentinel.inventory.InventoryChanged;
import io.replsentinel.inventory.SentinelConfig;
import io.replsentinel.metrics.InstanceMetrics;
import io.replsentinel.rules.user.UserRules;
import io.replsentinel.state.AlertState;
import io.replsentinel.state.AlertStateTopic;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * Reads channel {@code status-in} (the status topic, as a consumer group), keeps the latest status
 * of each instance per cluster, runs the detector catalogue over the cluster and hands every alert
 * state change to the {@link AlertDispatcher}; the user's own rules ({@link UserRules}) run after the
 * built-in ones. A record it cannot read is nacked: the channel's dead-letter strategy moves it to
 * the DLQ topic with the reason, and processing continues.
 * <p>
 * The alert state survives restarts and partition moves: whenever a cluster's lifecycle or its
 * undelivered changes change, the cluster's {@link AlertState} is written to the alert-state topic,
 * and only once Kafka has it do the changes go to the sinks and the status's offset get committed;
 * with a shared fleet also when a firing alert's evidence changed, at most every
 * {@code sentinel.fleet.evidence-refresh}, for the other nodes' API.
 * When status partitions are assigned ({@link StatusPartitions}) their clusters' state is read back
 * before their first status is evaluated, and changes still undelivered are sent again; revoked
 * partitions' clusters are forgotten. The state it keeps is in {@link ClusterStates}, which the API
 * reads.
 */
@ApplicationScoped
public class RulesEngine {

    public static final String CHANNEL = "status-in";
    /** Dead-letter reason of a status whose cluster is not watched. */
    public static final String UNKNOWN_CLUSTER = "unknown_cluster";
    public static final String GTID_CHANNEL = "gtid-in";
    public static final String LISTENER_CHANNEL = "listener-state-in";
    /** Transactions can arrive by the thousand per second: the cluster is evaluated at most this often for them. */
    private static final java.time.Duration STREAM_EVALUATION_INTERVAL = java.time.Duration.ofMillis(100);
    private static final Logger LOG = Logger.getLogger(RulesEngine.class);
    /** Most status records awaiting their ack at once (a few batches of {@code max.poll.records}). */
    static final int MAX_UNACKED = 2048;
    private static final CompletionStage<Void> READ = CompletableFuture.completedFuture(null);
    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    private final StatusReader reader;
    private final ObjectMapper json;
    private final TransactionLag transactionLag;
    private final AlertDispatcher dispatcher;
    private final MeterRegistry registry;
    private final SentinelConfig config;
    private final UserRules userRules;
    private final InstanceMetrics metrics;
    private final ClusterFindings.Catalogue catalogue;
    private final ClusterStates clusters;
    /** Null where the engine runs without Kafka (benchmarks, rule tests): nothing is persisted. */
    private final AlertStateTopic stateTopic;
    /** Status partitions this node owns, once their state is restored. */
    private final Set<Integer> owned = ConcurrentHashMap.newKeySet();
    /** Made once: a lookup by name and tags on every record costs more than the increment. */
    private final Counter statusesConsumed;
    private final Map<String, Counter> deadLettered = new ConcurrentHashMap<>();
    /** Acks of status records not yet complete, oldest first ({@link #awaitingAck}). */
    private final Deque<CompletableFuture<Void>> unacked = new ArrayDeque<>();
    /** Which clusters statuses may be about; null (an engine built by hand) takes every one. */
    @Inject
    KnownClusters knownClusters;
    /** When a firing alert's fresher evidence is written for the other nodes; null (built by hand): never. */
    @Inject
    io.replsentinel.fleet.EvidenceRefresh evidenceRefresh;

    /** An engine of its own, without Kafka: alerts are returned, state is not persisted. */
    public RulesEngine(ObjectMapper json, AlertDispatcher dispatcher, MeterRegistry registry, SentinelConfig config,
                       UserRules userRules, InstanceMetrics metrics) {
        this(json, dispatcher, registry, config, userRules, metrics, new ClusterStates(), null);
    }

    @Inject
    public RulesEngine(ObjectMapper json, AlertDispatcher dispatcher, MeterRegistry registry, SentinelConfig config,
                       UserRules userRules, InstanceMetrics metrics, ClusterStates clusters, AlertStateTopic stateTopic) {
        this.clusters = clusters;
        this.stateTopic = stateTopic;
        this.reader = new StatusReader(json);
        this.json = json;
        this.transactionLag = new TransactionLag(registry, DetectorSettings.from(config.rules()).transactionLagPerReplica());
        this.metrics = metrics;
        this.dispatcher = dispatcher;
        this.registry = registry;
        this.config = config;
        this.statusesConsumed = registry.counter("sentinel_events_consumed_total", "topic", config.topics().status());
        this.userRules = userRules;
        List<Detector> all = new ArrayList<>(DetectorCatalogue.all(DetectorSettings.from(config.rules())));
        all.addAll(userRules.detectors());
        this.catalogue = new ClusterFindings.Catalogue(all);
        if (dispatcher != null) {
            dispatcher.onSettled(this::delivered);
        }
    }

    /**
     * The channel hands over the record's bytes (a byte-array deserializer): the UTF-8 parser reads
     * them without a decode to a string first, and a malformed record goes to the dead-letter topic
     * byte for byte.
     * <p>
     * The channel calls this for one record at a time and waits for the returned stage before it
     * hands over the next, so the stage does not wait for the status's alert-state write or its ack:
     * the next status is evaluated at once, and the record is acked when its state is in Kafka and
     * its changes are with the sinks. The throttled commit strategy commits only the offsets below
     * the first record not yet acked, so a status still counts as read only once the state it
     * changed is in Kafka. The changes of one cluster go to the sinks in the order of its statuses
     * ({@link ClusterState#handedOver}). At most {@value #MAX_UNACKED} records wait for their ack at
     * once; past that the stage waits for the oldest of them. A record that cannot be read still
     * goes to the dead-letter topic before the next one is read.
     */
    @Incoming(CHANNEL)
    public CompletionStage<Void> onStatus(Message<byte[]> message) {
        statusesConsumed.increment();
        ReplicationStatus status;
        try {
            status = read(message.getPayload());
        } catch (MalformedRecordException e) {
            deadLettered(e.reason()).increment();
            LOG.warnf("Dead-lettering a record of %s: %s", config.topics().status(), e.getMessage());
            return message.nack(e);
        }
        if (knownClusters != null && !knownClusters.contains(status.cluster())) {
            // a cluster no one watches (a stale producer, another fleet's topic) would grow state forever
            deadLettered(UNKNOWN_CLUSTER).increment();
            LOG.warnf("Dead-lettering a status of %s/%s: cluster not in the inventory", status.cluster(), status.instance());
            return message.nack(new MalformedRecordException(UNKNOWN_CLUSTER,
                    "cluster '" + status.cluster() + "' is not in the inventory"));
        }
        IncomingKafkaRecordMetadata<?, ?> record = message.getMetadata(IncomingKafkaRecordMetadata.class).orElse(null);
        int partition = record == null ? -1 : record.getPartition();
        if (partition >= 0 && !owned.contains(partition)) {
            // fetched before its partition moved to another node, which evaluates it now
            return message.ack();
        }
        Evaluation result;
        try {
            result = evaluateRecord(status, partition, record == null ? -1 : record.getOffset());
        } catch (RuntimeException e) {
            deadLettered("evaluation_error").increment();
            LOG.errorf(e, "Dead-lettering a status of %s/%s the detectors could not evaluate", status.cluster(), status.instance());
            return message.nack(new MalformedRecordException("evaluation_error", String.valueOf(e)));
        }
        return awaitingAck(handOver(result.state, result.changes, result.persisted).thenCompose(x -> message.ack()).handle((ok, failure) -> {
            if (failure != null) {
                // not marked processed: the commit stays below it, and the channel's health says so in time
                LOG.warnf("Could not ack the status of %s/%s: %s", status.cluster(), status.instance(), failure.getMessage());
            }
            return null;
        }));
    }

    /**
     * The changes leave only once their state is in Kafka, and after the cluster's earlier changes
     * (of statuses, data-checker findings, instances retired): completes when they are handed to the
     * sinks. Every path that changes a cluster's alerts hands them over here.
     */
    private CompletableFuture<Void> handOver(ClusterState state, List<ClusterState.Pending> changes,
                                             CompletableFuture<Void> persisted) {
        synchronized (state) {
            if (changes.isEmpty() && persisted.isDone() && !persisted.isCompletedExceptionally() && state.handedOver.isDone()) {
                return persisted; // nothing to hand over, nothing written: most statuses
            }
            CompletableFuture<Void> handedOver = CompletableFuture.allOf(state.handedOver, persisted).handle((ok, x) -> {
                if (persisted.isCompletedExceptionally()) {
                    Throwable failure = persisted.handle((v, f) -> f).join();
                    LOG.warnf("Could not write the alert state of cluster %s to %s (%s): delivering its %d change(s) anyway",
                            state.cluster, stateTopic.topic(), failure.getMessage(), changes.size());
                }
                if (dispatcher == null) {
                    return null;
                }
                try {
                    // the Pending's sinks shrink as acks arrive: hand each sink list over as it was when recorded
                    changes.forEach(c -> dispatcher.dispatch(c.change, List.copyOf(c.sinks)));
                } catch (RuntimeException e) {
                    // the cluster's later changes must not wait forever on this one
                    LOG.errorf(e, "Could not hand the changes of cluster %s to the sinks", state.cluster);
                }
                return null;
            });
            state.handedOver = handedOver;
            return handedOver;
        }
    }

    /**
     * Keeps the record's ack among those awaited: completes at once while fewer than
     * {@value #MAX_UNACKED} records await theirs, else with the oldest of them, so that a slow
     * alert-state write holds the channel back instead of filling the producer's buffer.
     */
    private CompletionStage<Void> awaitingAck(CompletableFuture<Void> acked) {
        synchronized (unacked) {
            while (!unacked.isEmpty() && unacked.peekFirst().isDone()) {
                unacked.pollFirst();
            }
            if (acked.isDone()) {
                return acked;
            }
            unacked.addLast(acked);
            return unacked.size() < MAX_UNACKED ? READ : unacked.peekFirst();
        }
    }

    /** The dead-letter counter of one reason on the status topic, made once. */
    private Counter deadLettered(String reason) {
        return deadLettered.computeIfAbsent(reason, r -> registry.counter("sentinel_events_dead_lettered_total",
                "topic", config.topics().status(), "reason", r));
    }

    /**
     * Reads a status record's value; the values equal to the instance's latest status in the view
     * are that status's own objects (a steady instance's poll repeats most of them).
     */
    ReplicationStatus read(byte[] value) {
        return reader.read(value, this::latest);
    }

    /** The latest status of an instance in the view, or null. */
    private ReplicationStatus latest(String cluster, String instance) {
        ClusterState state = clusters.get(cluster);
        if (state == null) {
            return null;
        }
        synchronized (state) {
            return state.view.latest(instance);
        }
    }

    /** What one status did: its cluster, the changes with the sinks each goes to, and the write of the state they left. */
    private record Evaluation(ClusterState state, List<ClusterState.Pending> changes, CompletableFuture<Void> persisted) {
    }

    /**
     * The alert state changes one status record causes, as the channel evaluates it: a record of
     * {@code partition} at {@code offset} (-1 when not read from Kafka).
     */
    List<Alert> evaluate(ReplicationStatus status, int partition, long offset) {
        return evaluateRecord(status, partition, offset).changes.stream().map(c -> c.change).toList();
    }

    private Evaluation evaluateRecord(ReplicationStatus status, int partition, long offset) {
        ClusterState state = clusters.computeIfAbsent(status.cluster(), c -> new ClusterState(c, new AlertTracker(trackerSettings())));
        synchronized (state) {
            if (state.includes(partition, offset)) {
                // the restored state's writer evaluated it: read again from an older commit, it only refills the view
                state.refill(status);
                return new Evaluation(state, List.of(), DONE);
            }
            if (partition >= 0) {
                state.partition = partition;
                state.statusOffset = offset;
            }
            List<Alert> alerts = evaluate(state, status);
            List<ClusterState.Pending> changes = awaitDelivery(state, alerts);
            boolean changed = state.tracker.takeChanged() || !alerts.isEmpty();
            if (!changed) {
                refreshEvidence(state);
            }
            return new Evaluation(state, changes, changed ? persist(state) : CompletableFuture.completedFuture(null));
        }
    }

    /** Each change with the sinks it goes to, recorded as undelivered to them; called under the cluster's monitor. */
    private List<ClusterState.Pending> awaitDelivery(ClusterState state, List<Alert> alerts) {
        List<ClusterState.Pending> changes = new ArrayList<>(alerts.size());
        for (Alert a : alerts) {
            ClusterState.Pending p = new ClusterState.Pending(a, dispatcher == null ? List.of() : dispatcher.sinksFor(a));
            state.awaitDelivery(a, p.sinks);
            changes.add(p);
        }
        return changes;
    }

    /** Writes a cluster's state; called under its monitor, so the writes of one cluster leave in order. */
    private CompletableFuture<Void> persist(ClusterState state) {
        if (stateTopic == null) {
            return CompletableFuture.completedFuture(null);
        }
        return stateTopic.write(state.cluster, state.partition, state.toWrite(System.nanoTime()));
    }

    /**
     * Nothing changed state, but a firing alert's evidence may have: the other nodes' API reads it
     * from the alert-state topic, so it is written again, at most every
     * {@code sentinel.fleet.evidence-refresh} per cluster. Called under the cluster's monitor; the
     * status's ack does not wait for it (it delivers nothing).
     */
    private void refreshEvidence(ClusterState state) {
        if (evidenceRefresh == null || stateTopic == null || state.writtenEvidence.isEmpty()) {
            return;
        }
        long now = System.nanoTime();
        if (!evidenceRefresh.due(state.writtenAt, now)) {
            return;
        }
        if (!state.evidenceChanged()) {
            state.writtenAt = now;
            return;
        }
        persist(state).whenComplete((ok, failure) -> {
            if (failure != null) {
                LOG.debugf("Could not write the fresher evidence of cluster %s: other nodes show older evidence (%s)",
                        state.cluster, failure.getMessage());
            }
        });
    }

    /** A sink took a change: once none waits for it, the state in Kafka says so. */
    private void delivered(String sink, Alert change) {
        ClusterState state = clusters.get(change.labels().get("cluster"));
        if (state == null) {
            return;
        }
        synchronized (state) {
            if (state.delivered(sink, change)) {
                if (state.retired && state.undelivered.isEmpty()) {
                    clusters.removeIf(s -> s == state); // its state is empty now: the write below is its tombstone
                }
                persist(state).whenComplete((ok, failure) -> {
                    if (failure != null) {
                        LOG.debugf("Could not record that %s took %s %s: it may be sent again after a restart (%s)", sink,
                                change.status(), change.fingerprint(), failure.getMessage());
                    }
                });
            }
        }
    }

    /**
     * Status partitions now assigned to this node: their clusters' alert state is read back before
     * any of their statuses is evaluated (the consumer calls this before it returns their records),
     * firing alerts go back into the API and Alertmanager with their first {@code startsAt}, and
     * changes some sink had not taken are sent to it again.
     */
    public void assigned(Collection<Integer> partitions) {
        if (partitions.isEmpty()) {
            return;
        }
        long start = System.nanoTime();
        Map<String, AlertStateTopic.Restored> restored = Map.of();
        if (stateTopic != null) {
            try {
                restored = stateTopic.read(partitions);
            } catch (RuntimeException e) {
                LOG.errorf("Could not read the alert state of status partitions %s from %s: its clusters start with no alert "
                        + "state, so alerts still true fire again (%s)", partitions, stateTopic.topic(), e.getMessage());
            }
        }
        int firing = 0;
        int pending = 0;
        int waiting = 0;
        for (AlertStateTopic.Restored r : restored.values()) {
            int[] counts = restore(r.state(), r.partition());
            firing += counts[0];
            pending += counts[1];
            waiting += counts[2];
        }
        owned.addAll(partitions);
        if (knownClusters != null) {
            // removed from the inventory while no node held them: their alerts end here, not never
            restored.keySet().stream().filter(c -> !knownClusters.contains(c)).forEach(this::retire);
        }
        LOG.infof("Restored the alert state of %d cluster(s) on status partition(s) %s in %d ms: %d firing, %d pending, "
                        + "%d change(s) to deliver", restored.size(), partitions, (System.nanoTime() - start) / 1_000_000,
                firing, pending, waiting);
    }

    /**
     * Makes one cluster's state what the topic kept, and sends what its sinks had not taken.
     *
     * @return how many alerts were firing, were pending, and changes waited
     */
    int[] restore(AlertState kept, int partition) {
        ClusterState state = ClusterState.restore(kept, partition, trackerSettings());
        List<Alert> firingAlerts;
        List<ClusterState.Pending> resend;
        synchronized (state) {
            clusters.put(state);
            firingAlerts = state.tracker.firing();
            resend = List.copyOf(state.undelivered);
        }
        if (dispatcher != null) {
            dispatcher.restoreFiring(firingAlerts);
            resend.forEach(p -> dispatcher.dispatch(p.change, List.copyOf(p.sinks)));
        }
        return new int[] {firingAlerts.size(), kept.alerts().size() - firingAlerts.size(), resend.size()};
    }

    /** The state of one cluster as it would be written now; empty when the engine has none. */
    Optional<AlertState> snapshot(String cluster) {
        ClusterState state = clusters.get(cluster);
        if (state == null) {
            return Optional.empty();
        }
        synchronized (state) {
            return Optional.of(state.snapshot());
        }
    }

    /** Status partitions taken from this node: their clusters are another node's business now. */
    public void revoked(Collection<Integer> partitions) {
        if (partitions.isEmpty()) {
            return;
        }
        owned.removeAll(partitions);
        if (stateTopic != null) {
            // the partition's next owner, maybe this node again, must read every state written so far
            try {
                stateTopic.flush();
            } catch (RuntimeException e) {
                LOG.warnf("Could not flush the alert state before giving up status partitions %s: %s", partitions, e.getMessage());
            }
        }
        Set<String> gone = clusters.removeIf(s -> partitions.contains(s.partition)).stream()
                .map(s -> s.cluster).collect(Collectors.toSet());
        if (dispatcher != null && !gone.isEmpty()) {
            dispatcher.forget(a -> gone.contains(a.labels().get("cluster")));
        }
        LOG.infof("Status partition(s) %s left this node: forgot the alert state of %d cluster(s)", partitions, gone.size());
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
        ClusterState state = clusters.computeIfAbsent(cluster.apply(event), c -> new ClusterState(c, new AlertTracker(trackerSettings())));
        List<Alert> changes = List.of();
        synchronized (state) {
            fold.accept(state.view, event);
            long now = System.nanoTime();
            if (always || now - state.lastStreamEvaluation > STREAM_EVALUATION_INTERVAL.toNanos()) {
                state.lastStreamEvaluation = now;
                changes = evaluateView(state, time.apply(event));
                if (state.tracker.takeChanged() || !changes.isEmpty()) {
                    persist(state);
                }
            }
        }
        dispatcher.dispatch(changes);
        return message.ack();
    }

    /** Folds one status into its cluster's view and returns the alert state changes it causes. */
    public List<Alert> evaluate(ReplicationStatus status) {
        ClusterState state = clusters.computeIfAbsent(status.cluster(), c -> new ClusterState(c, new AlertTracker(trackerSettings())));
        synchronized (state) {
            return evaluate(state, status);
        }
    }

    /** Called under the cluster's monitor. */
    private List<Alert> evaluate(ClusterState state, ReplicationStatus status) {
        if (!state.retiredInstances.isEmpty() && state.retiredInstances.contains(status.instance())) {
            return List.of(); // polled before it left the cluster's definition: it must not come back into the view
        }
        ReplicationStatus previous = state.view.latest(status.instance());
        if (!state.view.update(status)) {
            return List.of();
        }
        if (state.restoredAt != null) {
            if (Duration.between(state.restoredAt, status.observedAt()).compareTo(config.rules().forOutageTolerance()) > 0) {
                state.tracker.restartTimers(status.observedAt());
            }
            state.restoredAt = null;
        }
        return evaluateView(state, status.observedAt(), previous, status);
    }

    /**
     * Clusters removed from the inventory or redefined ({@code POST}/{@code DELETE /api/clusters},
     * the inventory topic): see {@link #retire(String)}.
     */
    void inventoryChanged(@Observes InventoryChanged change) {
        change.removedClusters().forEach(this::retire);
        for (String cluster : change.addedClusters()) {
            // back in the inventory: its instances' statuses count again
            ClusterState state = clusters.get(cluster);
            if (state != null && knownClusters != null) {
                Set<String> watched = knownClusters.instances(cluster);
                synchronized (state) {
                    state.retired = false;
                    state.retiredInstances = state.retiredInstances.stream().filter(i -> !watched.contains(i))
                            .collect(Collectors.toUnmodifiableSet());
                }
            }
        }
    }

    /**
     * Ends what the engine holds of instances the cluster is no longer defined with (every instance
     * once the cluster is removed): their firing alerts resolve, saying why, since no status would
     * ever clear them and Alertmanager would be told they fire for ever; pending ones are dropped;
     * their statuses leave the view. The resolves are delivered as any change is, after the state
     * that records them is in Kafka; a removed cluster's state becomes a tombstone once every sink
     * took them.
     */
    List<Alert> retire(String cluster) {
        ClusterState state = clusters.get(cluster);
        if (state == null || knownClusters == null) {
            return List.of();
        }
        Set<String> watched = knownClusters.instances(cluster);
        java.util.function.Predicate<String> gone = instance -> !watched.contains(instance);
        List<ClusterState.Pending> changes;
        synchronized (state) {
            Set<String> dropped = new java.util.HashSet<>(state.retiredInstances);
            state.view.instances().forEach(s -> dropped.add(s.instance()));
            dropped.removeIf(watched::contains);
            state.retiredInstances = Set.copyOf(dropped);
            List<Alert> resolved = state.tracker.retire(gone, Instant.now());
            if (state.view.forget(gone)) {
                state.findings = null; // kept findings may be of the instances just dropped
            }
            changes = awaitDelivery(state, resolved);
            state.retired = watched.isEmpty();
            if (state.retired && state.undelivered.isEmpty()) {
                clusters.removeIf(s -> s == state);
            }
            handOver(state, changes, state.tracker.takeChanged() || state.retired ? persist(state)
                    : CompletableFuture.completedFuture(null));
        }
        if (!changes.isEmpty() || state.retired) {
            LOG.infof("Cluster %s %s: %d firing alert(s) of instances no longer watched resolve", cluster,
                    state.retired ? "left the inventory" : "was redefined", changes.size());
        }
        return changes.stream().map(c -> c.change).toList();
    }

    /**
     * Folds one data-checker finding into its cluster's view and returns the alert state changes it
     * causes; the lifecycle's clock stays the cluster's poll time.
     */
    public List<Alert> evaluate(DivergenceFinding finding) {
        ClusterState state = clusters.computeIfAbsent(finding.cluster(), c -> new ClusterState(c, new AlertTracker(trackerSettings())));
        synchronized (state) {
            state.view.update(finding);
            List<Alert> alerts = evaluateView(state, finding.checkedAt());
            if (state.tracker.takeChanged() || !alerts.isEmpty()) {
                persist(state);
            }
            return alerts;
        }
    }

    /**
     * Folds one data-checker finding into its cluster's view, as {@link #evaluate(DivergenceFinding)},
     * and delivers its changes the way a status's are: each is recorded as undelivered to its sinks,
     * the cluster's state is written, and only once Kafka holds it do the changes go to the sinks
     * (which ack them back into the state). Completes when the changes are handed to the sinks.
     */
    public CompletionStage<Void> deliver(DivergenceFinding finding) {
        ClusterState state = clusters.computeIfAbsent(finding.cluster(), c -> new ClusterState(c, new AlertTracker(trackerSettings())));
        synchronized (state) {
            state.view.update(finding);
            List<Alert> alerts = evaluateView(state, finding.checkedAt());
            List<ClusterState.Pending> changes = awaitDelivery(state, alerts);
            return handOver(state, changes, state.tracker.takeChanged() || !alerts.isEmpty() ? persist(state)
                    : CompletableFuture.completedFuture(null));
        }
    }

    /**
     * Runs the catalogue over the cluster's view; called under its monitor. The lifecycle runs on
     * the cluster's poll time; {@code fallback} only until a first status has set it.
     */
    private List<Alert> evaluateView(ClusterState state, Instant fallback) {
        return evaluateView(state, fallback, null, null);
    }

    /**
     * As {@link #evaluateView(ClusterState, Instant)}, after {@code status} replaced {@code previous}
     * (null: a new instance) in the view: only the detectors the status can change run again
     * ({@link ClusterFindings}); with no status, every detector runs.
     */
    private List<Alert> evaluateView(ClusterState state, Instant fallback, ReplicationStatus previous,
                                     ReplicationStatus status) {
        if (state.findings == null) {
            state.findings = new ClusterFindings(catalogue);
        }
        List<Finding> findings = status == null ? state.findings.evaluateAll(state.view)
                : state.findings.evaluate(state.view, previous, status);
        recordErrantCounts(state, findings);
        state.time = state.view.time() != null ? state.view.time() : fallback;
        return state.tracker.evaluate(state.view, findings, state.time);
    }

    /**
     * Sets each reachable instance's {@code mysql_replication_errant_transactions} when its count
     * differs from what was last set: most statuses change none, and setting a gauge per instance on
     * every status cost the service's status channel more than reading the status. An instance that
     * left the reachable ones is set again once back (its poll removed its series meanwhile).
     */
    private void recordErrantCounts(ClusterState state, List<Finding> findings) {
        if (metrics == null) {
            return;
        }
        Map<String, Long> counts = null;
        for (Finding f : findings) {
            if (DetectorCatalogue.ERRANT_TRANSACTIONS.equals(f.alertname())
                    && f.evidence().get("errantCount") instanceof Number n) {
                if (counts == null) {
                    counts = new HashMap<>();
                }
                counts.put(f.instance(), n.longValue());
            }
        }
        List<ReplicationStatus> reachable = state.view.reachable();
        if (!state.errantSet.isEmpty()) {
            for (java.util.Iterator<String> it = state.errantSet.keySet().iterator(); it.hasNext(); ) {
                if (!reachableHas(reachable, it.next())) {
                    it.remove();
                }
            }
        }
        for (ReplicationStatus s : reachable) {
            long count = counts == null ? 0L : counts.getOrDefault(s.instance(), 0L);
            Long set = state.errantSet.get(s.instance());
            if (set == null || set != count) {
                metrics.recordErrant(s.cluster(), s.instance(), count);
                state.errantSet.put(s.instance(), count);
            }
        }
    }

    private static boolean reachableHas(List<ReplicationStatus> reachable, String instance) {
        for (ReplicationStatus s : reachable) {
            if (s.instance().equals(instance)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether this node evaluates the cluster now: the cluster's status partition is assigned to this
     * node and its state restored. The remediation executor acts only for such clusters, so that one
     * node at a time acts on a cluster, as one node at a time evaluates it.
     */
    public boolean owns(String cluster) {
        ClusterState state = clusters.get(cluster);
        return state != null && state.partition >= 0 && owned.contains(state.partition);
    }

    /** The firing alerts of one cluster. */
    public List<Alert> firing(String cluster) {
        return clusters.firing(cluster);
    }

    /** The latest statuses of one cluster's instances, as the engine sees them. */
    public Optional<List<ReplicationStatus>> statuses(String cluster) {
        return clusters.statuses(cluster);
    }

    /** Roles and replication edges of one cluster as the servers show them. */
    public Optional<ObservedTopology> topology(String cluster) {
        return clusters.topology(cluster);
    }

    private AlertTracker.Settings trackerSettings() {
        SentinelConfig.Rules rules = config.rules();
        return new AlertTracker.Settings(
                alertname -> userRules.forDuration(alertname).orElseGet(() -> rules.forByAlert().getOrDefault(alertname,
                        DetectorCatalogue.REPLICATION_IO_THREAD_CONNECTING.equals(alertname)
                                ? rules.ioConnectingThreshold() : rules.forDuration())),
                rules.keepFiringFor(), rules.runbookBaseUrl(), config.api().externalUrl());
    }
}
