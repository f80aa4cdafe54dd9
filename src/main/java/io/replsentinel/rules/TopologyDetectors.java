package io.replsentinel.rules;

import io.replsentinel.event.ChannelStatus;
import io.replsentinel.event.ReplicationStatus;
import io.replsentinel.event.VersionNumber;
import io.replsentinel.rules.DetectorSupport.Match;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Detectors about who replicates from whom: missing channels, wrong sources, version order. */
final class TopologyDetectors {

    static final String UNRESOLVABLE = "unresolvable";
    static final String NOT_IN_CLUSTER = "not_in_cluster";
    static final String NOT_PRIMARY = "not_primary";

    private TopologyDetectors() {
    }

    /**
     * ReplicationNotConfigured: (1) the inventory expects the instance to be a replica, (2) it is
     * reachable, (3) it has no replication channel at all (never set up, or RESET REPLICA ALL) and
     * (4) it has not been promoted: no other instance of the cluster replicates from it. The observed
     * role wins: after a failover or switchover the new primary raises nothing.
     */
    static Detector notConfigured() {
        return DetectorSupport.perInstance(DetectorCatalogue.REPLICATION_NOT_CONFIGURED, DetectorCatalogue.CRITICAL,
                (view, s) -> {
                    Match m = notConfigured(s);
                    return m == null || view.promoted(s) ? null : m;
                });
    }

    private static Match notConfigured(ReplicationStatus s) {
        if (!s.reachable() || !"replica".equals(s.expectedRole()) || !s.channels().isEmpty()) {
            return null;
        }
        Map<String, Object> evidence = new LinkedHashMap<>();
        evidence.put("expectedRole", s.expectedRole());
        evidence.put("channels", 0);
        evidence.put("readOnly", s.readOnly());
        evidence.put("replicatedFromBy", 0);
        evidence.put("gtidExecuted", s.gtidExecuted());
        return new Match(Map.of(), s.instance() + " should be a replica but has no replication channel",
                "SHOW REPLICA STATUS returns no row and no instance of the cluster replicates from it:"
                        + " the instance replicates from nothing and has not been promoted.", evidence);
    }

    /**
     * ReplicaSourceMismatch, per channel: the source host:port (1) does not resolve
     * ({@code cause=unresolvable}), (2) is no instance of the cluster, or connects to a server whose
     * server_uuid no instance has ({@code cause=not_in_cluster}), or (3) is an instance other than
     * the cluster's primary ({@code cause=not_primary}).
     */
    static Detector sourceMismatch() {
        // per instance, reading the others' topology facts (the primary, which instance a source is):
        // a replica whose mismatch holds is checked again on its own polls, not on every poll of the cluster
        return InstanceDetector.of(DetectorCatalogue.REPLICA_SOURCE_MISMATCH, true, (view, s) -> {
            if (!s.reachable() || s.channels().isEmpty()) {
                return List.of();
            }
            List<Finding> findings = List.of();
            Optional<ReplicationStatus> primary = view.primary();
            for (ChannelStatus ch : s.channels()) {
                Match m = mismatch(view, s, ch, primary);
                if (m != null) {
                    if (findings.isEmpty()) {
                        findings = new ArrayList<>(s.channels().size());
                    }
                    findings.add(DetectorSupport.finding(DetectorCatalogue.REPLICA_SOURCE_MISMATCH, DetectorCatalogue.CRITICAL, s,
                            DetectorSupport.withChannel(m.labels(), ch), m));
                }
            }
            return findings;
        });
    }

    private static Match mismatch(ClusterView view, ReplicationStatus s, ChannelStatus ch, Optional<ReplicationStatus> primary) {
        if (ch.sourceHost() == null) {
            return null;
        }
        // decided first, the evidence built only for a mismatch: every channel of every status is checked
        if (Boolean.FALSE.equals(ch.sourceResolvable())) {
            return new Match(Map.of("cause", UNRESOLVABLE), s.instance() + " replicates from " + configured(ch)
                    + ", a host name that does not resolve",
                    "The source host has no DNS record (a renamed pod or service?). The replica cannot connect.",
                    evidence(ch, primary));
        }
        if (!view.warm()) {
            return null;
        }
        Optional<ReplicationStatus> source = view.sourceOf(ch);
        boolean connectedElsewhere = source.isPresent() && ch.sourceUuid() != null
                && source.get().serverUuid() != null && !ch.sourceUuid().equals(source.get().serverUuid());
        if (source.isEmpty() || connectedElsewhere) {
            return new Match(Map.of("cause", NOT_IN_CLUSTER), s.instance() + " replicates from " + configured(ch)
                    + ", which is not an instance of cluster " + s.cluster(),
                    connectedElsewhere ? "The source address reaches a server whose server_uuid is "
                            + ch.sourceUuid() + ", not the cluster instance's " + source.get().serverUuid() + "."
                            : "The replica's source is outside the cluster's inventory: it may be another cluster's server.",
                    evidence(ch, primary));
        }
        if (primary.isPresent() && !primary.get().instance().equals(source.get().instance())) {
            Map<String, Object> evidence = evidence(ch, primary);
            evidence.put("sourceInstance", source.get().instance());
            return new Match(Map.of("cause", NOT_PRIMARY), s.instance() + " replicates from "
                    + source.get().instance() + ", not from the primary " + primary.get().instance(),
                    "The replica's source is an instance of the cluster but not its primary.", evidence);
        }
        return null;
    }

    private static String configured(ChannelStatus ch) {
        return ch.sourceHost() + ":" + ch.sourcePort();
    }

    private static Map<String, Object> evidence(ChannelStatus ch, Optional<ReplicationStatus> primary) {
        Map<String, Object> evidence = new LinkedHashMap<>();
        evidence.put("channel", ch.name());
        evidence.put("sourceHost", ch.sourceHost());
        evidence.put("sourcePort", ch.sourcePort());
        evidence.put("sourceAddresses", ch.sourceAddresses());
        evidence.put("sourceServerId", ch.sourceServerId());
        evidence.put("sourceUuid", ch.sourceUuid());
        evidence.put("ioState", ch.ioState());
        evidence.put("lastIoErrno", ch.lastIoErrno());
        evidence.put("primary", primary.map(ReplicationStatus::instance).orElse(null));
        return evidence;
    }

    /**
     * ReplicationVersionSkew, per channel whose source is an instance of the cluster: (1) the
     * replica runs an older version than its source, or (2) they are more than one major version
     * apart.
     */
    static Detector versionSkew() {
        return FactDetector.of(DetectorCatalogue.REPLICATION_VERSION_SKEW, StatusFacts.TOPOLOGY | StatusFacts.VERSION, view -> {
            List<Finding> findings = new ArrayList<>();
            for (ReplicationStatus s : view.reachable()) {
                for (ChannelStatus ch : s.channels()) {
                    view.sourceOf(ch).filter(src -> src.version() != null && s.version() != null)
                            .map(src -> skew(s, src, ch)).ifPresent(m -> findings.add(DetectorSupport.finding(
                                    DetectorCatalogue.REPLICATION_VERSION_SKEW, DetectorCatalogue.WARNING, s, DetectorSupport.withChannel(Map.of(), ch), m)));
                }
            }
            return findings;
        });
    }

    static Match skew(ReplicationStatus replica, ReplicationStatus source, ChannelStatus ch) {
        VersionNumber r = VersionNumber.parse(replica.version());
        VersionNumber src = VersionNumber.parse(source.version());
        boolean older = r.compareTo(src) < 0;
        boolean farApart = Math.abs(r.major() - src.major()) > 1;
        if (!older && !farApart) {
            return null;
        }
        Map<String, Object> evidence = new LinkedHashMap<>();
        evidence.put("channel", ch.name());
        evidence.put("replicaVersion", replica.version());
        evidence.put("source", source.instance());
        evidence.put("sourceVersion", source.version());
        return new Match(Map.of(), replica.instance() + " runs " + replica.flavor() + " " + replica.version()
                + (older ? ", older than its source's " : ", far from its source's ") + source.version(),
                older ? "A replica older than its source may not understand what the source writes to its binary log."
                        : "Source and replica are more than one major version apart, which replication does not support.",
                evidence);
    }
}
