package io.replsentinel.rules;

import io.replsentinel.event.ChannelStatus;
import io.replsentinel.event.DeniedCapability;
import io.replsentinel.event.ReplicationStatus;
import io.replsentinel.event.Severity;

import io.replsentinel.rules.DetectorSupport.Match;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.replsentinel.rules.DetectorSupport.channelSuffix;
import static io.replsentinel.rules.DetectorSupport.perChannel;
import static io.replsentinel.rules.DetectorSupport.perInstance;

/**
 * Every problem repl-sentinel detects, in one place. Each entry is named after the alert it
 * raises; its match is a short predicate over the cluster view. Runbooks: {@code docs/runbooks.md}.
 */
public final class DetectorCatalogue {

    public static final String INSTANCE_UNREACHABLE = "InstanceUnreachable";
    public static final String REPLICATION_IO_THREAD_STOPPED = "ReplicationIoThreadStopped";
    public static final String REPLICATION_IO_THREAD_CONNECTING = "ReplicationIoThreadConnecting";
    public static final String REPLICATION_SQL_THREAD_STOPPED = "ReplicationSqlThreadStopped";
    public static final String REPLICATION_LAG_HIGH = "ReplicationLagHigh";
    public static final String REPLICATION_NOT_CONFIGURED = "ReplicationNotConfigured";
    public static final String REPLICA_SOURCE_MISMATCH = "ReplicaSourceMismatch";
    public static final String SERVER_ID_COLLISION = "ServerIdCollision";
    public static final String SERVER_UUID_COLLISION = "ServerUuidCollision";
    public static final String ERRANT_TRANSACTIONS = "ErrantTransactions";
    public static final String DATA_DIVERGENCE = "DataDivergence";
    public static final String MULTIPLE_WRITABLE_PRIMARIES = "MultipleWritablePrimaries";
    public static final String REPLICATION_VERSION_SKEW = "ReplicationVersionSkew";
    public static final String REPLICATION_CONFIG_DRIFT = "ReplicationConfigDrift";
    public static final String MONITOR_PRIVILEGES_MISSING = "MonitorPrivilegesMissing";
    /** Not in the contract's table: the monitor's own blind spot, see docs/runbooks.md#gtidsetunreadable. */
    public static final String GTID_SET_UNREADABLE = "GtidSetUnreadable";
    public static final String MISSING_TRANSACTIONS = "MissingTransactions";
    public static final String BINLOG_LISTENER_DOWN = "BinlogListenerDown";

    public static final String CRITICAL = Severity.critical.name();
    public static final String WARNING = Severity.warning.name();

    private DetectorCatalogue() {
    }

    /** The detectors with default thresholds and no allow-lists. */
    public static List<Detector> all() {
        return all(DetectorSettings.defaults());
    }

    /**
     * The detectors, in the order their alerts are listed in the contract. Each call returns fresh
     * instances: ErrantTransactions keeps its last verdict per replica.
     */
    public static List<Detector> all(DetectorSettings settings) {
        return List.of(
                perInstance(INSTANCE_UNREACHABLE, CRITICAL, DetectorCatalogue::instanceUnreachable),
                perChannel(REPLICATION_IO_THREAD_STOPPED, CRITICAL, DetectorCatalogue::ioThreadStopped),
                perChannel(REPLICATION_IO_THREAD_CONNECTING, WARNING, DetectorCatalogue::ioThreadConnecting),
                perChannel(REPLICATION_SQL_THREAD_STOPPED, CRITICAL, DetectorCatalogue::sqlThreadStopped),
                new LagDetector(settings),
                TopologyDetectors.notConfigured(),
                TopologyDetectors.sourceMismatch(),
                IdentityDetectors.serverIdCollision(),
                IdentityDetectors.serverUuidCollision(),
                new ErrantTransactionsDetector(settings),
                new DataDivergenceDetector(),
                IdentityDetectors.multipleWritablePrimaries(),
                TopologyDetectors.versionSkew(),
                new ConfigDriftDetector(),
                monitorPrivilegesMissing(),
                new GtidSetUnreadableDetector(),
                new MissingTransactionsDetector(settings),
                new BinlogListenerDownDetector());
    }

    /** Every built-in alertname; user rules may not take one of these names. */
    public static Set<String> names() {
        return Set.copyOf(all().stream().map(Detector::alertname).toList());
    }

    /**
     * InstanceUnreachable: (1) the poller could not connect or query within the timeout, or
     * (2) a statement it needs was denied. Label {@code cause} is the poll error's class.
     */
    static Match instanceUnreachable(ReplicationStatus s) {
        if (s.reachable()) {
            return null;
        }
        String cause = s.error() == null ? "other" : s.error().errorClass();
        Map<String, Object> evidence = new LinkedHashMap<>();
        if (s.error() != null) {
            evidence.put("errorClass", s.error().errorClass());
            evidence.put("errno", s.error().errno());
            evidence.put("error", s.error().message());
        }
        evidence.put("pollMillis", s.pollMillis());
        return new Match(Map.of("cause", cause),
                "Instance " + s.instance() + " cannot be polled (" + cause + ")",
                s.error() == null ? "The poller could not observe the instance." : s.error().message(),
                evidence);
    }

    /**
     * ReplicationIoThreadStopped: (1) replication is configured and (2) the receiver is stopped,
     * or (3) it keeps reconnecting with an error no retry can fix (authentication, missing
     * REPLICATION SLAVE, a blocked host) while (4) its source, when the cluster view knows it, is
     * reachable: then it fires at once rather than after the Connecting threshold. Label {@code
     * cause} from the error number and text.
     */
    static Match ioThreadStopped(ClusterView view, ReplicationStatus s, ChannelStatus ch) {
        boolean stopped = ChannelStatus.STOPPED.equals(ch.ioState());
        if (!stopped && !hopeless(view, ch)) {
            return null;
        }
        String cause = IoErrorCause.of(ch.lastIoErrno(), ch.lastIoError());
        Map<String, Object> evidence = ioEvidence(ch);
        if (!stopped) {
            evidence.put("retryCannotHeal", true);
        }
        return new Match(Map.of("cause", cause),
                "Replication receiver stopped on " + s.instance() + channelSuffix(ch) + " (" + cause + ")",
                ch.lastIoErrno() == 0 ? "The IO thread is stopped with no error: stopped by hand?"
                        : (stopped ? "" : "The IO thread keeps reconnecting, but no retry fixes this: ")
                        + "Last_IO_Errno " + ch.lastIoErrno() + ": " + ch.lastIoError(),
                evidence);
    }

    /**
     * A receiver stuck Connecting on an error that cannot heal, its source answering the poller: a
     * source the poller cannot reach leaves the error possibly stale, and InstanceUnreachable says more.
     */
    private static boolean hopeless(ClusterView view, ChannelStatus ch) {
        return ChannelStatus.CONNECTING.equals(ch.ioState())
                && IoErrorCause.isTerminal(ch.lastIoErrno(), ch.lastIoError())
                && view.sourceOf(ch).map(ReplicationStatus::reachable).orElse(true);
    }

    /** ReplicationIoThreadConnecting: the receiver has been connecting for longer than its {@code for:}. */
    static Match ioThreadConnecting(ClusterView view, ReplicationStatus s, ChannelStatus ch) {
        if (!ChannelStatus.CONNECTING.equals(ch.ioState()) || hopeless(view, ch)) {
            return null;
        }
        return new Match(Map.of(),
                "Replication receiver on " + s.instance() + channelSuffix(ch) + " cannot reach "
                        + ch.sourceHost() + ":" + ch.sourcePort(),
                ch.lastIoErrno() == 0 ? "The IO thread is still connecting."
                        : "Last_IO_Errno " + ch.lastIoErrno() + ": " + ch.lastIoError(),
                ioEvidence(ch));
    }

    /**
     * MonitorPrivilegesMissing: (1) the instance answered, (2) the monitoring user was denied a
     * statement the poller runs for one check; that check is off for the instance, every other one
     * keeps running. One alert per privilege; evidence: each denied statement, the server's error,
     * what is lost and the GRANT to run.
     */
    static Detector monitorPrivilegesMissing() {
        return InstanceDetector.of(MONITOR_PRIVILEGES_MISSING, false, (view, s) -> {
            if (!s.reachable() || s.deniedCapabilities().isEmpty()) {
                return List.of();
            }
            List<Finding> findings = new java.util.ArrayList<>();
            Map<String, List<DeniedCapability>> byPrivilege = new java.util.TreeMap<>();
            for (DeniedCapability d : s.deniedCapabilities()) {
                byPrivilege.computeIfAbsent(d.privilege(), k -> new java.util.ArrayList<>()).add(d);
            }
            byPrivilege.forEach((privilege, denied) -> {
                Map<String, Object> evidence = new LinkedHashMap<>();
                evidence.put("privilege", privilege);
                evidence.put("grant", denied.get(0).grant());
                evidence.put("denied", denied.stream().map(d -> {
                    Map<String, Object> one = new LinkedHashMap<>();
                    one.put("capability", d.capability());
                    one.put("statement", d.statement());
                    one.put("errno", d.errno());
                    one.put("error", d.error());
                    one.put("lost", d.lost());
                    return one;
                }).toList());
                Match m = new Match(Map.of("privilege", privilege),
                        "Monitoring user lacks " + privilege + " on " + s.instance(),
                        "Switched off: " + String.join("; ", denied.stream().map(DeniedCapability::lost).toList())
                                + ". Run: " + denied.get(0).grant(),
                        evidence);
                findings.add(DetectorSupport.finding(MONITOR_PRIVILEGES_MISSING, WARNING, s, m.labels(), m));
            });
            return findings;
        });
    }

    /**
     * ReplicationSqlThreadStopped: the applier is stopped. Label {@code cause} from the error
     * number; duplicate_key and row_not_found mean the data already diverged.
     */
    static Match sqlThreadStopped(ReplicationStatus s, ChannelStatus ch) {
        if (!ChannelStatus.STOPPED.equals(ch.sqlState())) {
            return null;
        }
        String cause = SqlErrorCause.of(ch.lastSqlErrno());
        Map<String, Object> evidence = new LinkedHashMap<>();
        evidence.put("channel", ch.name());
        evidence.put("lastSqlErrno", ch.lastSqlErrno());
        evidence.put("lastSqlError", ch.lastSqlError());
        evidence.put("lastSqlErrorAt", ch.lastSqlErrorAt());
        if (ch.lastSqlCoordinatorError() != null) {
            evidence.put("lastSqlCoordinatorError", ch.lastSqlCoordinatorError());
        }
        evidence.put("retrievedGtidSet", ch.retrievedGtidSet());
        evidence.put("executedGtidSet", ch.executedGtidSet());
        evidence.put("impliesDivergence", SqlErrorCause.impliesDivergence(cause));
        return new Match(Map.of("cause", cause),
                "Replication applier stopped on " + s.instance() + channelSuffix(ch) + " (" + cause + ")",
                ch.lastSqlErrno() == 0 ? "The SQL thread is stopped with no error: stopped by hand?"
                        : "Last_SQL_Errno " + ch.lastSqlErrno() + ": " + ch.lastSqlError(),
                evidence);
    }

    private static Map<String, Object> ioEvidence(ChannelStatus ch) {
        Map<String, Object> evidence = new LinkedHashMap<>();
        evidence.put("channel", ch.name());
        evidence.put("sourceHost", ch.sourceHost());
        evidence.put("sourcePort", ch.sourcePort());
        evidence.put("ioState", ch.ioState());
        evidence.put("lastIoErrno", ch.lastIoErrno());
        evidence.put("lastIoError", ch.lastIoError());
        evidence.put("lastIoErrorAt", ch.lastIoErrorAt());
        evidence.put("retrievedGtidSet", ch.retrievedGtidSet());
        return evidence;
    }

}
