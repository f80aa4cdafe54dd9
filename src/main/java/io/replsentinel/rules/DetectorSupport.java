package io.replsentinel.rules;

import io.replsentinel.event.ChannelStatus;
import io.replsentinel.event.ReplicationStatus;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Function;

/** The shapes most detectors take: a match per instance, or per replication channel. */
final class DetectorSupport {

    private DetectorSupport() {
    }

    /** What a match adds to the common labels, and how the alert reads. */
    record Match(Map<String, String> labels, String summary, String description, Map<String, Object> evidence) {
    }

    static Detector perInstance(String alertname, String severity, Function<ReplicationStatus, Match> match) {
        return InstanceDetector.of(alertname, false, (view, s) -> {
            Match m = match.apply(s);
            return m == null ? List.of() : List.of(finding(alertname, severity, s, m.labels(), m));
        });
    }

    /** A match per instance that needs the rest of the cluster to decide (the observed role, say). */
    static Detector perInstance(String alertname, String severity, BiFunction<ClusterView, ReplicationStatus, Match> match) {
        return InstanceDetector.of(alertname, true, (view, s) -> {
            Match m = match.apply(view, s);
            return m == null ? List.of() : List.of(finding(alertname, severity, s, m.labels(), m));
        });
    }

    static Detector perChannel(String alertname, String severity,
                               BiFunction<ReplicationStatus, ChannelStatus, Match> match) {
        return InstanceDetector.of(alertname, false, (view, s) -> {
            List<Finding> findings = List.of();
            for (ChannelStatus ch : s.channels()) {
                Match m = match.apply(s, ch);
                if (m != null) {
                    findings = add(findings, finding(alertname, severity, s, withChannel(m.labels(), ch), m));
                }
            }
            return findings;
        });
    }

    /** A match per channel that also reads the rest of the cluster (the channel's source, say). */
    interface ChannelInView {
        Match apply(ClusterView view, ReplicationStatus s, ChannelStatus ch);
    }

    static Detector perChannel(String alertname, String severity, ChannelInView match) {
        return InstanceDetector.of(alertname, true, (view, s) -> {
            List<Finding> findings = List.of();
            for (ChannelStatus ch : s.channels()) {
                Match m = match.apply(view, s, ch);
                if (m != null) {
                    findings = add(findings, finding(alertname, severity, s, withChannel(m.labels(), ch), m));
                }
            }
            return findings;
        });
    }

    /** {@code findings} with {@code f} added: most statuses find nothing, so no list is made until one is found. */
    static List<Finding> add(List<Finding> findings, Finding f) {
        List<Finding> result = findings.isEmpty() ? new ArrayList<>(2) : findings;
        result.add(f);
        return result;
    }

    static Map<String, String> withChannel(Map<String, String> labels, ChannelStatus ch) {
        Map<String, String> result = new LinkedHashMap<>(labels);
        result.put("channel", ch.name());
        return result;
    }

    /** A finding about instance {@code s}, its evidence led by who and what the instance is. */
    static Finding finding(String alertname, String severity, ReplicationStatus s, Map<String, String> labels, Match m) {
        Map<String, Object> evidence = new LinkedHashMap<>();
        evidence.put("flavor", s.flavor());
        evidence.put("version", s.version());
        evidence.put("serverId", s.serverId());
        evidence.put("observedAt", s.observedAt());
        evidence.putAll(m.evidence());
        return new Finding(alertname, severity, s.cluster(), s.instance(), labels, s.labels(),
                m.summary(), m.description(), evidence, s.observedAt());
    }

    static String channelSuffix(ChannelStatus ch) {
        return ch.name().isEmpty() ? "" : " channel '" + ch.name() + "'";
    }
}
