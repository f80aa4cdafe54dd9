package io.replsentinel.rules;

import io.replsentinel.event.BinlogListenerState;
import io.replsentinel.event.ReplicationStatus;
import io.replsentinel.rules.DetectorSupport.Match;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * BinlogListenerDown: (1) the latest state a binlog listener published for an instance is
 * {@code down}; label {@code cause} is the listener's (privileges, unsupported_config,
 * tagged_gtids, connection, falling_behind). Resolves once the listener reports {@code running}.
 */
final class BinlogListenerDownDetector implements Detector {

    @Override
    public String alertname() {
        return DetectorCatalogue.BINLOG_LISTENER_DOWN;
    }

    @Override
    public List<Finding> detect(ClusterView view) {
        if (view.stream().listeners().isEmpty()) {
            return List.of();
        }
        List<Finding> findings = new ArrayList<>();
        for (BinlogListenerState l : view.stream().listeners()) {
            if (!l.down()) {
                continue;
            }
            Optional<ReplicationStatus> status = view.instance(l.instance());
            if (status.isEmpty()) {
                continue; // not polled yet: its labels are unknown, the next status brings them
            }
            String cause = l.cause() == null ? "connection" : l.cause();
            Map<String, Object> evidence = new LinkedHashMap<>();
            evidence.put("cause", cause);
            evidence.put("error", l.error());
            evidence.put("listenerServerId", l.serverId());
            evidence.put("downSince", l.since());
            evidence.put("listenerObservedAt", l.observedAt());
            evidence.put("transactionsSeen", l.transactions());
            Match m = new Match(Map.of("cause", cause), "Binlog listener on " + l.instance() + " is down (" + cause + ")",
                    (l.error() == null ? "The listener does not stream." : l.error())
                            + " Stream detectors (MissingTransactions, errant-write tables) are blind on this instance"
                            + " until it is back; polling goes on.", evidence);
            findings.add(DetectorSupport.finding(alertname(), DetectorCatalogue.WARNING, status.get(), m.labels(), m));
        }
        return findings;
    }
}
