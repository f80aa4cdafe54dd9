package io.replsentinel.rules;

import io.replsentinel.event.ChannelStatus;
import io.replsentinel.event.ReplicationStatus;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * Every problem repl-sentinel detects, in one place. Each entry is named after the alert it
 * raises; its match is a short predicate over the cluster view. Runbooks: {@code docs/runbooks.md}.
 */
public final class DetectorCatalogue {

    public static final String INSTANCE_UNREACHABLE = "InstanceUnreachable";
    public static final String REPLICATION_IO_THREAD_STOPPED = "ReplicationIoThreadStopped";
    public static final String REPLICATION_IO_THREAD_CONNECTING = "ReplicationIoThreadConnecting";
    public static final String REPLICATION_SQL_THREAD_STOPPED = "ReplicationSqlThreadStopped";

    public static final String CRITICAL = "critical";
    public static final String WARNING = "warning";

    private DetectorCatalogue() {
    }

    /** The detectors, in the order their alerts are listed in the contract. */
    public static List<Detector> all() {
        return List.of(
                perInstance(INSTANCE_UNREACHABLE, CRITICAL, DetectorCatalogue::instanceUnreachable),
                perChannel(REPLICATION_IO_THREAD_STOPPED, CRITICAL, DetectorCatalogue::ioThreadStopped),
                perChannel(REPLICATION_IO_THREAD_CONNECTING, WARNING, DetectorCatalogue::ioThreadConnecting),
                perChannel(REPLICATION_SQL_THREAD_STOPPED, CRITICAL, DetectorCatalogue::sqlThreadStopped));
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
     * or it keeps reconnecting with an error no retry can fix (authentication). Label {@code cause}
     * from the error number.
     */
    static Match ioThreadStopped(ReplicationStatus s, ChannelStatus ch) {
        boolean stopped = ChannelStatus.STOPPED.equals(ch.ioState());
        boolean hopeless = ChannelStatus.CONNECTING.equals(ch.ioState())
                && IoErrorCause.isTerminal(ch.lastIoErrno(), ch.lastIoError());
        if (!stopped && !hopeless) {
            return null;
        }
        String cause = IoErrorCause.of(ch.lastIoErrno(), ch.lastIoError());
        return new Match(Map.of("cause", cause),
                "Replication receiver stopped on " + s.instance() + channelSuffix(ch) + " (" + cause + ")",
                ch.lastIoErrno() == 0 ? "The IO thread is stopped with no error: stopped by hand?"
                        : "Last_IO_Errno " + ch.lastIoErrno() + ": " + ch.lastIoError(),
                ioEvidence(ch));
    }

    /** ReplicationIoThreadConnecting: the receiver has been connecting for longer than its {@code for:}. */
    static Match ioThreadConnecting(ReplicationStatus s, ChannelStatus ch) {
        if (!ChannelStatus.CONNECTING.equals(ch.ioState()) || IoErrorCause.isTerminal(ch.lastIoErrno(), ch.lastIoError())) {
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

    private static String channelSuffix(ChannelStatus ch) {
        return ch.name().isEmpty() ? "" : " channel '" + ch.name() + "'";
    }

    /** What a match adds to the common labels, and how the alert reads. */
    record Match(Map<String, String> labels, String summary, String description, Map<String, Object> evidence) {
    }

    private static Detector perInstance(String alertname, String severity, Function<ReplicationStatus, Match> match) {
        return new Detector() {
            @Override
            public String alertname() {
                return alertname;
            }

            @Override
            public List<Finding> detect(ClusterView view) {
                List<Finding> findings = new ArrayList<>();
                for (ReplicationStatus s : view.instances()) {
                    Match m = match.apply(s);
                    if (m != null) {
                        findings.add(finding(alertname, severity, s, m.labels(), m));
                    }
                }
                return findings;
            }
        };
    }

    private static Detector perChannel(String alertname, String severity,
                                       BiFunction<ReplicationStatus, ChannelStatus, Match> match) {
        return new Detector() {
            @Override
            public String alertname() {
                return alertname;
            }

            @Override
            public List<Finding> detect(ClusterView view) {
                List<Finding> findings = new ArrayList<>();
                for (ReplicationStatus s : view.instances()) {
                    for (ChannelStatus ch : s.channels()) {
                        Match m = match.apply(s, ch);
                        if (m != null) {
                            Map<String, String> labels = new LinkedHashMap<>(m.labels());
                            labels.put("channel", ch.name());
                            findings.add(finding(alertname, severity, s, labels, m));
                        }
                    }
                }
                return findings;
            }
        };
    }

    private static Finding finding(String alertname, String severity, ReplicationStatus s,
                                   Map<String, String> labels, Match m) {
        Map<String, Object> evidence = new LinkedHashMap<>();
        evidence.put("flavor", s.flavor());
        evidence.put("version", s.version());
        evidence.put("serverId", s.serverId());
        evidence.put("observedAt", s.observedAt());
        evidence.putAll(m.evidence());
        return new Finding(alertname, severity, s.cluster(), s.instance(), labels, s.labels(),
                m.summary(), m.description(), evidence, s.observedAt());
    }
}
