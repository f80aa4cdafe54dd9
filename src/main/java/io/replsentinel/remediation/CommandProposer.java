package io.replsentinel.remediation;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.replsentinel.alerting.AlertTransition;
import io.replsentinel.event.Alert;
import io.replsentinel.event.ReplicationStatus;
import io.replsentinel.rules.ClusterStates;
import io.replsentinel.rules.ObservedTopology;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Proposes and expires commands from the alert transitions the rules engine emits
 * ({@link AlertTransition}, on the node that evaluates the cluster). A firing alert a command fixes
 * proposes it once per alert episode: the command's id is derived from the alert's fingerprint and
 * {@code startsAt}, so the same episode seen again (a resend, another node, a restart) finds it in
 * the {@link CommandBook}. A fix that must wait (a restart while the source is still down) is
 * reconsidered on the cluster's next transition. When the alert resolves, its open command expires.
 * Open commands past {@code expiresAt} expire on the node that evaluates their cluster.
 */
@ApplicationScoped
public class CommandProposer {

    private static final Logger LOG = Logger.getLogger(CommandProposer.class);

    private final CommandBook book;
    private final ClusterStates clusters;
    private final ServerIdAllocation serverIds;
    private final RemediationConfig config;
    private final Proposals proposals;
    private ScheduledExecutorService sweeper;

    public CommandProposer(CommandBook book, ClusterStates clusters, ServerIdAllocation serverIds, RemediationConfig config,
                           ObjectMapper json) {
        this.book = book;
        this.clusters = clusters;
        this.serverIds = serverIds;
        this.config = config;
        this.proposals = new Proposals(json, config);
    }

    synchronized void onTransition(@Observes AlertTransition transition) {
        Alert alert = transition.alert();
        String cluster = alert.labels().get("cluster");
        try {
            if (alert.firing()) {
                propose(alert);
            } else {
                expire(alert);
            }
            // a fix that had to wait (RESTART_REPLICA until the source is back) may be due now
            for (Alert firing : clusters.firing(cluster)) {
                if (!firing.fingerprint().equals(alert.fingerprint())) {
                    propose(firing);
                }
            }
        } catch (RuntimeException e) {
            LOG.errorf(e, "Could not propose or expire a command for %s %s", alert.status(), alert.fingerprint());
        }
    }

    /** The id of the command of one alert episode. */
    static String commandId(Alert alert) {
        return UUID.nameUUIDFromBytes((alert.fingerprint() + "|" + alert.startsAt()).getBytes(StandardCharsets.UTF_8))
                .toString();
    }

    private void propose(Alert alert) {
        String id = commandId(alert);
        if (book.find(id).isPresent()) {
            return;
        }
        String cluster = alert.labels().get("cluster");
        List<ReplicationStatus> statuses = clusters.statuses(cluster).orElse(List.of());
        Optional<ObservedTopology> topology = clusters.topology(cluster);
        if (statuses.isEmpty() || topology.isEmpty()) {
            return;
        }
        Proposals.Cluster view = new Proposals.Cluster(statuses, topology.get(),
                () -> serverIds.allocate(statuses, promisedServerIds()));
        Optional<Proposals.Draft> draft;
        try {
            draft = proposals.draft(alert, view);
        } catch (IllegalArgumentException | IllegalStateException e) {
            LOG.warnf("No command for %s %s on %s: %s", alert.alertname(), alert.fingerprint(),
                    alert.labels().get("instance"), e.getMessage());
            return;
        }
        if (draft.isEmpty()) {
            return;
        }
        Proposals.Draft d = draft.get();
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        book.propose(new RemediationCommand(RemediationCommand.SCHEMA_VERSION, id, now, now.plus(config.commandTtl()),
                d.type(), cluster, d.instance(), d.params(), new CommandReason(alert.alertname(), alert.fingerprint()),
                d.type().defaultSafety(), CommandSql.of(d.instance(), d.params()), CommandState.proposed,
                null, null, null));
    }

    /** The ids open SET_SERVER_ID commands hand out: two commands never get the same one. */
    private Set<Long> promisedServerIds() {
        return book.list(null, null).stream()
                .filter(c -> !c.state().terminal() && c.params() instanceof SetServerIdParams)
                .map(c -> ((SetServerIdParams) c.params()).newServerId())
                .collect(Collectors.toSet());
    }

    private void expire(Alert resolved) {
        String id = commandId(resolved);
        book.find(id).filter(c -> !c.state().terminal()).ifPresent(c -> {
            try {
                book.record(c.withState(CommandState.expired, "expired unexecuted: " + resolved.alertname()
                        + " resolved at " + resolved.endsAt() + ", the condition it was proposed for has cleared",
                        c.approvedBy()));
            } catch (IllegalStateException e) {
                // the executor finished it meanwhile: its final state stands
                LOG.debugf("Command %s was not expired: %s", id, e.getMessage());
            }
        });
    }

    void start(@Observes StartupEvent event) {
        sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "command-expiry");
            t.setDaemon(true);
            return t;
        });
        long every = config.expirySweepInterval().toMillis();
        sweeper.scheduleWithFixedDelay(() -> {
            try {
                sweep();
            } catch (RuntimeException e) {
                LOG.warnf(e, "Expiry sweep of open commands failed");
            }
        }, every, every, TimeUnit.MILLISECONDS);
    }

    void stop(@Observes ShutdownEvent event) {
        if (sweeper != null) {
            sweeper.shutdownNow();
        }
    }

    /** Expires open commands past their {@code expiresAt}, for the clusters this node evaluates. */
    void sweep() {
        Instant now = Instant.now();
        for (RemediationCommand c : book.list(null, null)) {
            if (c.state().terminal() || c.expiresAt() == null || c.expiresAt().isAfter(now)
                    || clusters.statuses(c.cluster()).isEmpty()) {
                continue;
            }
            try {
                book.record(c.withState(CommandState.expired, "expired unexecuted: open since " + c.createdAt()
                        + ", longer than sentinel.remediation.command-ttl (" + config.commandTtl() + ")", c.approvedBy()));
            } catch (IllegalStateException e) {
                LOG.debugf("Command %s was not expired: %s", c.id(), e.getMessage());
            }
        }
    }
}
