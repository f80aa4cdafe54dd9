package io.replsentinel.remediation;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.replsentinel.inventory.Inventory;
import io.replsentinel.inventory.SentinelConfig;
import io.replsentinel.inventory.WatchedInstance;
import io.replsentinel.rules.RulesEngine;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.ObservesAsync;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The remediation executor, off by default ({@code sentinel.remediation.execute}). It hears of
 * runnable commands from the {@link CommandBook} ({@link CommandRunnable}: an {@code auto} command
 * proposed, an {@code approval} one approved) and sweeps the book every few seconds for those it has
 * not run (a cluster that moved to this node). For each, in this order, as vtorc's recoveries do:
 * <ol>
 * <li>runs only the types {@code sentinel.remediation.types} lists, {@code auto} when proposed,
 * {@code approval} once approved, {@code manual} never;</li>
 * <li>refuses a command whose signature is not the service's ({@code refused}, never run);</li>
 * <li>acts only for clusters whose status partition this node owns ({@link RulesEngine#owns}), and
 * holds the cluster's lock ({@link ClusterLocks}): one command at a time per cluster;</li>
 * <li>inside the lock, checks ownership and the command's state again, then re-reads the instances
 * and re-checks the condition on fresh connections of the cluster's remediation account
 * ({@link CommandAttempt});</li>
 * <li>records the outcome on the command ({@code executed}, {@code failed}, {@code expired}, with
 * the result and who approved it), which the book re-publishes.</li>
 * </ol>
 * <p>
 * Fencing across nodes is partition ownership, not a lock on the servers (the monitor takes none
 * there). The window: a node that stalls between its last ownership check and its first statement
 * (a long GC pause, a network partition from Kafka) may still run after the group gave the cluster
 * to another node, up to the consumer session timeout. The new owner then re-reads the servers:
 * once the first node's statements took effect the condition is gone and the command expires. Both
 * could run only if both re-read before either ran, and every type is harmless when repeated
 * (starting a running thread, setting the id it has, re-pointing at the source it has, an empty
 * transaction under a GTID already executed, which the server skips).
 */
@ApplicationScoped
public class RemediationExecutor {

    private static final Logger LOG = Logger.getLogger(RemediationExecutor.class);
    /** How often the book is swept for runnable commands no notification brought (a cluster moved here). */
    static final Duration SWEEP_INTERVAL = Duration.ofSeconds(5);

    private final RemediationConfig config;
    private final ExecutorConnectionConfig connection;
    private final SentinelConfig sentinel;
    private final CommandBook book;
    private final CommandSigner signer;
    private final RulesEngine engine;
    private final RemediationAccounts accounts;
    private final Inventory inventory;
    private final ClusterLocks locks = new ClusterLocks();
    /** Commands this process has attempted: never twice, whatever the book's record still says. */
    private final Set<String> attempted = ConcurrentHashMap.newKeySet();
    private ExecutorService workers;
    private ScheduledExecutorService sweeper;

    public RemediationExecutor(RemediationConfig config, ExecutorConnectionConfig connection, SentinelConfig sentinel,
                               CommandBook book, RemediationSigning signing, RulesEngine engine,
                               RemediationAccounts accounts, Inventory inventory) {
        this.config = config;
        this.connection = connection;
        this.sentinel = sentinel;
        this.book = book;
        this.signer = signing.signer();
        this.engine = engine;
        this.accounts = accounts;
        this.inventory = inventory;
    }

    void start(@Observes StartupEvent event) {
        if (!config.execute()) {
            LOG.info("Remediation executor off (sentinel.remediation.execute=false): commands are proposed, never run");
            return;
        }
        LOG.infof("Remediation executor on for types %s", config.types().map(Object::toString).orElse("[] (none listed)"));
        workers = Executors.newFixedThreadPool(2, r -> daemon(r, "remediation-executor"));
        sweeper = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "remediation-sweep"));
        sweeper.scheduleWithFixedDelay(this::sweep, SWEEP_INTERVAL.toMillis(), SWEEP_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
    }

    void stop(@Observes ShutdownEvent event) {
        if (sweeper != null) {
            sweeper.shutdownNow();
        }
        if (workers != null) {
            workers.shutdown();
        }
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** The book's word that a command became runnable by its safety. */
    void onRunnable(@ObservesAsync CommandRunnable event) {
        submit(event.command());
    }

    private void sweep() {
        try {
            for (RemediationCommand c : book.runnable()) {
                if (runnable(c) && !attempted.contains(c.id()) && engine.owns(c.cluster())) {
                    submit(c);
                }
            }
        } catch (RuntimeException e) {
            LOG.warnf("Remediation sweep failed: %s", e.getMessage());
        }
    }

    /** Queues a command the book says may run; the checks happen on the worker. */
    void submit(RemediationCommand c) {
        if (workers == null || !runnable(c) || attempted.contains(c.id())) {
            return;
        }
        workers.submit(() -> {
            try {
                consider(c.id());
            } catch (RuntimeException e) {
                LOG.errorf(e, "Remediation command %s could not be handled", c.id());
            }
        });
    }

    /** Whether the settings and the command's state let it run at all. */
    boolean runnable(RemediationCommand c) {
        if (!config.execute() || !config.types().map(t -> t.contains(c.type())).orElse(false)
                || c.safety() == Safety.manual || c.type().defaultSafety() == Safety.manual) {
            return false;
        }
        return CommandTransitions.runnable(c);
    }

    private void consider(String id) {
        Optional<RemediationCommand> found = book.find(id);
        if (found.isEmpty() || !runnable(found.get()) || !engine.owns(found.get().cluster())) {
            return;
        }
        RemediationCommand seen = found.get();
        locks.withLock(seen.cluster(), () -> {
            // again under the lock: another command of the cluster ran meanwhile, the partition may have moved
            Optional<RemediationCommand> now = book.find(id);
            if (now.isEmpty() || !runnable(now.get()) || !engine.owns(now.get().cluster()) || !attempted.add(id)) {
                return null;
            }
            attempt(now.get());
            return null;
        });
    }

    private void attempt(RemediationCommand c) {
        if (!signer.verifies(c)) {
            LOG.warnf("Refused remediation command %s (%s on %s): its signature is not this service's", c.id(), c.type(),
                    c.instance());
            book.record(c.withState(CommandState.refused, "refused: not produced by this service (signature does not match)",
                    c.approvedBy()));
            return;
        }
        if (c.expiresAt() != null && Instant.now().isAfter(c.expiresAt())) {
            book.record(c.withState(CommandState.expired, "not run: it expired at " + c.expiresAt(), c.approvedBy()));
            return;
        }
        Optional<RemediationAccounts.Account> account = accounts.of(c.cluster());
        if (account.isEmpty()) {
            book.record(c.withState(CommandState.failed, "not run: cluster " + c.cluster()
                    + " has no remediation account (sentinel.clusters." + c.cluster() + ".remediation-user)", c.approvedBy()));
            return;
        }
        List<String> cluster = inventory.clusters().getOrDefault(c.cluster(), List.of()).stream().map(WatchedInstance::id).toList();
        CommandAttempt.Outcome outcome = CommandAttempt.run(c, cluster, account.get(), sentinel.poll(), connection,
                () -> engine.owns(c.cluster()));
        if (outcome == null) {
            attempted.remove(c.id());
            LOG.infof("Remediation command %s not run: cluster %s moved to another node, which takes it over", c.id(), c.cluster());
            return;
        }
        LOG.infof("Remediation command %s %s on %s (%s, approved by %s): %s, %s", c.id(), c.type(), c.instance(), c.safety(),
                c.approvedBy() == null ? "nobody" : c.approvedBy(), outcome.state(), outcome.result());
        book.record(c.withState(outcome.state(), outcome.result(), c.approvedBy()));
    }
}
