package io.replsentinel.rules;

import io.replsentinel.event.ChannelStatus;
import io.replsentinel.event.ReplicationStatus;
import io.replsentinel.rules.DetectorSupport.Match;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * ReplicationLagHigh: a channel's lag is over the warning or critical threshold. The lag is, in this
 * order: the replica's latest per-transaction lag from the binlog listeners (with
 * {@code sentinel.rules.transaction-lag.alerting}, single-channel replicas, while the sample is no
 * older than {@code max-age} by the replica's poll), the heartbeat's (true lag, when the heartbeat
 * is on), or else Seconds_Behind_Source, which is null, and so not judged, while a thread is
 * stopped: the thread alerts cover that.
 */
final class LagDetector implements InstanceDetector {

    private final DetectorSettings settings;

    LagDetector(DetectorSettings settings) {
        this.settings = settings;
    }

    @Override
    public String alertname() {
        return DetectorCatalogue.REPLICATION_LAG_HIGH;
    }

    /** Its own status and its own lag sample: nothing of another instance. */
    @Override
    public boolean readsCluster() {
        return false;
    }

    @Override
    public List<Finding> detect(ClusterView view, ReplicationStatus s) {
        List<Finding> findings = List.of();
        if (s.reachable()) {
            for (ChannelStatus ch : s.channels()) {
                Optional<TransactionStream.LagSample> tx = transactionLag(view, s);
                Long lagMillis = tx.map(t -> t.lag().toMillis()).orElseGet(() -> lagMillis(s, ch));
                if (lagMillis == null || lagMillis < settings.lagWarning().toMillis()) {
                    continue;
                }
                String severity = lagMillis >= settings.lagCritical().toMillis()
                        ? DetectorCatalogue.CRITICAL : DetectorCatalogue.WARNING;
                Map<String, Object> evidence = new LinkedHashMap<>();
                evidence.put("channel", ch.name());
                evidence.put("lagSeconds", lagMillis / 1000.0);
                evidence.put("source", tx.isPresent() ? "transactions"
                        : s.heartbeatLagMillis() != null && s.channels().size() == 1 ? "heartbeat" : "seconds_behind_source");
                tx.ifPresent(t -> {
                    evidence.put("transactionLagMethod", t.method());
                    evidence.put("transactionGtid", t.gtid());
                    evidence.put("transactionSeenAt", t.at());
                });
                evidence.put("secondsBehindSource", ch.secondsBehindSource());
                evidence.put("heartbeatLagMillis", s.heartbeatLagMillis());
                evidence.put("sqlDelaySeconds", ch.sqlDelaySeconds());
                evidence.put("sourceHost", ch.sourceHost());
                evidence.put("sourcePort", ch.sourcePort());
                Match m = new Match(Map.of(), "Replica " + s.instance() + DetectorSupport.channelSuffix(ch)
                        + " is " + lagMillis / 1000 + " s behind its source",
                        "Lag " + lagMillis / 1000.0 + " s (warning at " + settings.lagWarning().toSeconds()
                                + " s, critical at " + settings.lagCritical().toSeconds() + " s)", evidence);
                findings = DetectorSupport.add(findings,
                        DetectorSupport.finding(alertname(), severity, s, DetectorSupport.withChannel(Map.of(), ch), m));
            }
        }
        return findings;
    }

    /** The replica's per-transaction lag, when enabled, measured on its only channel and recent by its own poll. */
    private Optional<TransactionStream.LagSample> transactionLag(ClusterView view, ReplicationStatus s) {
        if (!settings.transactionLagAlerting() || s.channels().size() != 1 || s.observedAt() == null) {
            return Optional.empty();
        }
        return view.stream().lag(s.instance())
                .filter(t -> !t.at().plus(settings.transactionLagMaxAge()).isBefore(s.observedAt()));
    }

    /** The heartbeat measures the default (single) channel's source; other channels use the server's figure. */
    private static Long lagMillis(ReplicationStatus s, ChannelStatus ch) {
        if (s.heartbeatLagMillis() != null && s.channels().size() == 1) {
            return s.heartbeatLagMillis();
        }
        return ch.secondsBehindSource() == null ? null : ch.secondsBehindSource() * 1000;
    }
}
