package io.replsentinel.rules;

import io.replsentinel.event.ChannelStatus;
import io.replsentinel.event.DivergenceFinding;
import io.replsentinel.event.ReplicationStatus;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** The latest status of every instance of one cluster, as the rules engine has seen them. */
public final class ClusterView {

    private final String cluster;
    /** How long a view must have been filling before membership questions are answered. */
    static final Duration WARM_UP = Duration.ofSeconds(5);
    private static final long WARM_UP_NANOS = WARM_UP.toNanos();

    private final Map<String, ReplicationStatus> latest = new TreeMap<>();
    private final StatusOrder order = new StatusOrder();
    private final PollClock clock = new PollClock();
    /** Ranges the data checker holds for diverged, by replica and range id; a match removes one. */
    private final Map<String, DivergenceFinding> divergences = new TreeMap<>();
    private final TransactionStream stream = new TransactionStream();
    /**
     * {@link #reachable()} and {@link #primary()} as of the statuses held now; null once a status
     * changes (the primary: once a status changes a {@link StatusFacts#TOPOLOGY} fact).
     */
    private List<ReplicationStatus> reachable;
    private Optional<ReplicationStatus> primary;
    /** Counts the data checker's findings folded in. */
    private long divergenceRevision;

    public ClusterView(String cluster) {
        this.cluster = cluster;
    }

    public String cluster() {
        return cluster;
    }

    /** What the cluster's binlog listeners said: their states and recent transactions. */
    public TransactionStream stream() {
        return stream;
    }

    /**
     * Keeps the newer of two statuses of one instance, by the poller's sequence ({@link StatusOrder}):
     * records can arrive out of poll order, and the service clock can step back.
     */
    public boolean update(ReplicationStatus status) {
        ReplicationStatus previous = latest.get(status.instance());
        if (!order.newer(previous, status)) {
            return false;
        }
        latest.put(status.instance(), status);
        if (previous != null && primary != null && StatusFacts.sameTopology(previous, status)) {
            // who is primary is decided by topology facts alone: the same instance, now at its new status
            reachable = null;
            if (primary.isPresent() && primary.get() == previous) {
                primary = Optional.of(status);
            }
        } else {
            changed();
        }
        clock.advance(previous, status);
        return true;
    }

    /** The poll time this cluster's alert lifecycle runs on ({@link PollClock}); null before any status. */
    public Instant time() {
        return clock.now();
    }

    /** Folds in a data checker's finding: a diverged range is held until the same range matches. */
    public void update(DivergenceFinding finding) {
        divergenceRevision++;
        String key = finding.instance() + "|" + finding.rangeId();
        if (DivergenceFinding.MATCHED.equals(finding.state())) {
            divergences.remove(key);
        } else {
            divergences.put(key, finding);
        }
    }

    /**
     * Grows whenever something other than a status changes what the detectors read (a binlog
     * listener's state or transaction, a lag sample, a data checker's finding).
     */
    long inputRevision() {
        return divergenceRevision + stream.revision();
    }

    /** The status held for {@code instance}, or null: what a new status of it replaces. */
    ReplicationStatus latest(String instance) {
        return latest.get(instance);
    }

    /**
     * Drops the statuses and diverged ranges of instances no longer in the cluster's definition.
     *
     * @return whether the view held anything of them
     */
    public boolean forget(java.util.function.Predicate<String> gone) {
        boolean statuses = latest.keySet().removeIf(gone);
        boolean ranges = divergences.values().removeIf(f -> gone.test(f.instance()));
        if (statuses) {
            changed();
        }
        if (ranges) {
            divergenceRevision++;
        }
        return statuses || ranges;
    }

    /** The diverged ranges the data checker has reported and not yet seen matching again. */
    public Collection<DivergenceFinding> divergences() {
        return divergences.values();
    }

    public Collection<ReplicationStatus> instances() {
        return latest.values();
    }

    public Optional<ReplicationStatus> instance(String id) {
        return Optional.ofNullable(latest.get(id));
    }

    /**
     * True once statuses have been arriving for {@link #WARM_UP}: before that, an instance missing
     * from the view may simply not have been polled yet, and "not in the cluster" would be a guess.
     */
    public boolean warm() {
        return clock.elapsedNanos() >= WARM_UP_NANOS;
    }

    /** The reachable instances; every detector asks, so the list is kept until a status changes. */
    public List<ReplicationStatus> reachable() {
        if (reachable == null) {
            List<ReplicationStatus> r = new ArrayList<>(latest.size());
            for (ReplicationStatus s : latest.values()) {
                if (s.reachable()) {
                    r.add(s);
                }
            }
            reachable = java.util.Collections.unmodifiableList(r);
        }
        return reachable;
    }

    /** The held statuses changed: what is derived from them alone must be derived again. */
    private void changed() {
        reachable = null;
        primary = null;
    }

    /**
     * The instance of this cluster a channel replicates from: the one whose host (or one of its
     * addresses) and port are the channel's source host and port, else, once the channel has
     * connected, the one whose server_uuid (MySQL) is the channel's source uuid.
     */
    public Optional<ReplicationStatus> sourceOf(ChannelStatus ch) {
        if (ch.sourcePort() != null) {
            for (ReplicationStatus s : latest.values()) {
                if (isHostPort(hostPort(s), String.valueOf(ch.sourceHost()), ch.sourcePort())) {
                    return Optional.of(s);
                }
            }
            for (ReplicationStatus s : latest.values()) {
                if (endsWithPort(hostPort(s), ch.sourcePort())
                        && s.addresses().stream().anyMatch(ch.sourceAddresses()::contains)) {
                    return Optional.of(s);
                }
            }
        }
        if (ch.sourceUuid() != null) {
            return latest.values().stream().filter(s -> ch.sourceUuid().equals(s.serverUuid())).findFirst();
        }
        return Optional.empty();
    }

    /**
     * The primary as the servers show it. Candidates are the reachable instances with no replication
     * channel; one the inventory expects to be a replica counts only once promoted
     * ({@link #promoted}). Among the candidates: the one writable candidate; among several writable
     * ones, the one the others replicate from, else the one the inventory calls primary; with none
     * writable (mid-switchover, or a primary kept read-only), the candidate the others replicate
     * from; failing all that, the instance the inventory calls primary.
     */
    public Optional<ReplicationStatus> primary() {
        if (primary == null) {
            primary = findPrimary();
        }
        return primary;
    }

    private Optional<ReplicationStatus> findPrimary() {
        List<ReplicationStatus> candidates = reachable().stream()
                .filter(s -> s.channels().isEmpty() && (!"replica".equals(s.expectedRole()) || promoted(s))).toList();
        List<ReplicationStatus> writable = candidates.stream().filter(s -> Boolean.FALSE.equals(s.readOnly())).toList();
        if (writable.size() == 1) {
            return Optional.of(writable.get(0));
        }
        Optional<ReplicationStatus> served = (writable.isEmpty() ? candidates : writable).stream()
                .filter(this::servesOthers).findFirst();
        if (served.isPresent()) {
            return served;
        }
        List<ReplicationStatus> pool = writable.isEmpty() ? List.copyOf(latest.values()) : writable;
        return pool.stream().filter(s -> "primary".equals(s.expectedRole())).findFirst();
    }

    /**
     * True when an instance the inventory expects to be a replica has been promoted, as the view sees
     * it now: it has no replication channel and at least one other instance of the cluster replicates
     * from it. Writable is not required (a switchover may open writes last); the check is not
     * sticky: it holds exactly while the servers say so.
     */
    public boolean promoted(ReplicationStatus s) {
        return s.reachable() && s.channels().isEmpty() && servesOthers(s);
    }

    /**
     * Whether {@code candidate} would be the primary if it replaced its instance's status in this view:
     * the poller asks it with what a poll has just read, before the view has the poll.
     */
    public boolean primaryWith(ReplicationStatus candidate) {
        ReplicationStatus held = latest.put(candidate.instance(), candidate);
        changed();
        try {
            return primary().map(p -> p.instance().equals(candidate.instance())).orElse(false);
        } finally {
            if (held == null) {
                latest.remove(candidate.instance());
            } else {
                latest.put(candidate.instance(), held);
            }
            changed();
        }
    }

    /** Another reachable instance of the cluster has a channel whose source is {@code s}. */
    private boolean servesOthers(ReplicationStatus s) {
        for (ReplicationStatus other : latest.values()) {
            if (other.reachable() && !other.instance().equals(s.instance())) {
                for (ChannelStatus ch : other.channels()) {
                    if (sourceOf(ch).map(src -> src.instance().equals(s.instance())).orElse(false)) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    private static String hostPort(ReplicationStatus s) {
        return s.instance();
    }

    /** {@code hostPort.equals(host + ":" + port)}, without building the string: every status asks for every channel. */
    static boolean isHostPort(String hostPort, String host, int port) {
        int h = host.length();
        return hostPort.length() > h && hostPort.charAt(h) == ':' && hostPort.startsWith(host)
                && isDecimal(hostPort, h + 1, port);
    }

    /** {@code hostPort.endsWith(":" + port)}, without building the string. */
    static boolean endsWithPort(String hostPort, int port) {
        int digits = decimalLength(port);
        int colon = hostPort.length() - digits - 1;
        return colon >= 0 && hostPort.charAt(colon) == ':' && isDecimal(hostPort, colon + 1, port);
    }

    /** Whether {@code text} from {@code from} to its end is exactly {@code Integer.toString(n)}. */
    private static boolean isDecimal(String text, int from, int n) {
        if (n < 0) {
            return text.substring(from).equals(Integer.toString(n));
        }
        int end = text.length();
        if (end - from != decimalLength(n)) {
            return false;
        }
        for (int i = end - 1; i >= from; i--, n /= 10) {
            if (text.charAt(i) != '0' + n % 10) {
                return false;
            }
        }
        return true;
    }

    private static int decimalLength(int n) {
        if (n < 0) {
            return Integer.toString(n).length();
        }
        int digits = 1;
        while (n >= 10) {
            n /= 10;
            digits++;
        }
        return digits;
    }
}
