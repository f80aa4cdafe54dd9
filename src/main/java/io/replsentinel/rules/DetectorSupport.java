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
        return Detector.of(alertname, view -> {
            List<Finding> findings = new ArrayList<>();
            for (ReplicationStatus s : view.instances()) {
                Match m = match.apply(s);
                if (m != null) {
                    findings.add(finding(alertname, severity, s, m.labels(), m));
                }
            }
            return findings;
        });
    }

    /** A match per instance that needs the rest of the cluster to decide (the observed role, say). */
    static Detector perInstance(String alertname, String severity, BiFunction<ClusterView, ReplicationStatus, Match> match) {
        return Detector.of(alertname, view -> {
            List<Finding> findings = new ArrayList<>();
            for (ReplicationStatus s : view.instances()) {
                Match m = match.apply(view, s);
                if (m != null) {
                    findings.add(finding(alertname, severity, s, m.labels(), m));
                }
            }
            return findings;
        });
    }

    static Detector perChannel(String alertname, String severity,
                               BiFunction<ReplicationStatus, ChannelStatus, Match> match) {
        return Detector.of(alertname, view -> {
            List<Finding> findings = new ArrayList<>();
            for (ReplicationStatus s : view.instances()) {
                for (ChannelStatus ch : s.channels()) {
                    Match m = match.apply(s, ch);
                    if (m != null) {
                        findings.add(finding(alertname, severity, s, withChannel(m.labels(), ch), m));
                    }
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
        return Detector.of(alertname, view -> {
            List<Finding> findings = new ArrayList<>();
            for (ReplicationStatus s : view.instances()) {
                for (ChannelStatus ch : s.channels()) {
                    Match m = match.apply(view, s, ch);
                    if (m != null) {
                        findings.add(finding(alertname, severity, s, withChannel(m.labels(), ch), m));
                    }
                }
            }
            return findings;
        });
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
