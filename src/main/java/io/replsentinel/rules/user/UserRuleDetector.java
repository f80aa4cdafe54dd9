package io.replsentinel.rules.user;

import com.google.protobuf.Message;
import io.replsentinel.event.ChannelStatus;
import io.replsentinel.event.ReplicationStatus;
import io.replsentinel.rules.ClusterView;
import io.replsentinel.rules.Detector;
import io.replsentinel.rules.Finding;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One user rule as a {@link Detector}: evaluates its expression over every instance of the cluster
 * (or every channel of every instance) and reports a {@link Finding} where it is true. An
 * evaluation error never reaches the engine: the rule does not match there, and the error is
 * logged at most once per {@link #ERROR_LOG_INTERVAL}.
 */
final class UserRuleDetector implements Detector {

    static final Duration ERROR_LOG_INTERVAL = Duration.ofMinutes(5);
    private static final Logger LOG = Logger.getLogger(UserRuleDetector.class);

    private final String alertname;
    private final String severity;
    private final Map<String, String> labels;
    private final String summary;
    private final String description;
    private final RuleCompiler.Compiled expr;
    private final ErrorThrottle errors;

    UserRuleDetector(String alertname, String severity, Map<String, String> labels, String summary,
                     String description, RuleCompiler.Compiled expr, ErrorThrottle errors) {
        this.alertname = alertname;
        this.severity = severity;
        this.labels = Map.copyOf(labels);
        this.summary = summary;
        this.description = description;
        this.expr = expr;
        this.errors = errors;
    }

    @Override
    public String alertname() {
        return alertname;
    }

    boolean perChannel() {
        return expr.perChannel();
    }

    @Override
    public List<Finding> detect(ClusterView view) {
        List<Finding> findings = new ArrayList<>();
        for (ReplicationStatus s : view.instances()) {
            Message status = StatusSchema.status(s);
            if (!expr.perChannel()) {
                if (matches(Map.of(RuleCompiler.STATUS, status), s, null)) {
                    findings.add(finding(s, null));
                }
                continue;
            }
            for (ChannelStatus ch : s.channels()) {
                if (matches(Map.of(RuleCompiler.STATUS, status, RuleCompiler.CHANNEL, StatusSchema.channel(ch)), s, ch)) {
                    findings.add(finding(s, ch));
                }
            }
        }
        return findings;
    }

    private boolean matches(Map<String, Message> variables, ReplicationStatus s, ChannelStatus ch) {
        try {
            return Boolean.TRUE.equals(expr.program().eval(variables));
        } catch (Exception e) {
            long suppressed = errors.admit();
            if (suppressed >= 0) {
                LOG.warnf("User rule %s could not be evaluated on %s/%s%s, so it does not match there: %s"
                                + " (%d more errors of this rule since the last report; next report in %s at the earliest)",
                        alertname, s.cluster(), s.instance(), ch == null ? "" : " channel '" + ch.name() + "'",
                        e.getMessage(), suppressed, ERROR_LOG_INTERVAL);
            }
            return false;
        }
    }

    private Finding finding(ReplicationStatus s, ChannelStatus ch) {
        Map<String, String> own = new LinkedHashMap<>(labels);
        if (ch != null) {
            own.put(RuleCompiler.CHANNEL, ch.name());
        }
        Map<String, String> all = new TreeMap<>(s.labels());
        all.putAll(own);
        all.put("alertname", alertname);
        all.put("cluster", s.cluster());
        all.put("instance", s.instance());
        all.put("severity", severity);
        return new Finding(alertname, severity, s.cluster(), s.instance(), own, s.labels(),
                Template.render(summary, all), Template.render(description, all), evidence(s, ch), s.observedAt());
    }

    /** The fields the expression read, with their values in this poll: small, and what a reader needs. */
    private Map<String, Object> evidence(ReplicationStatus s, ChannelStatus ch) {
        Map<String, Object> evidence = new LinkedHashMap<>();
        evidence.put("expr", expr.source());
        evidence.put("flavor", s.flavor());
        evidence.put("version", s.version());
        evidence.put("serverId", s.serverId());
        evidence.put("observedAt", s.observedAt());
        for (String field : expr.statusFields()) {
            StatusSchema.statusField(field).ifPresent(get -> evidence.put("status." + field, get.apply(s)));
        }
        if (ch != null) {
            for (String field : expr.channelFields()) {
                StatusSchema.channelField(field).ifPresent(get -> evidence.put("channel." + field, get.apply(ch)));
            }
        }
        return evidence;
    }
}
