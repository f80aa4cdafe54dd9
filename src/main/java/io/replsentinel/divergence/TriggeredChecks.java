package io.replsentinel.divergence;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads channel {@code divergence-triggers} (the alerts topic, a consumer group of its own) and asks
 * for a check, ahead of the background scan, where data has probably diverged: the table an applier
 * stopped on with {@code duplicate_key} or {@code row_not_found} (named in its error text), and
 * every table of a replica with {@code ErrantTransactions} or {@code MissingTransactions} (which
 * tables those touched is known only to a binlog listener).
 */
@ApplicationScoped
public class TriggeredChecks {

    public static final String CHANNEL = "divergence-triggers";
    static final Set<String> SQL_CAUSES = Set.of("duplicate_key", "row_not_found");
    private static final Pattern TABLE = Pattern.compile("on table ([^\\s.;,`]+)\\.([^\\s;,`]+)");
    private static final Logger LOG = Logger.getLogger(TriggeredChecks.class);

    private final DivergenceService service;
    private final ObjectMapper json;

    public TriggeredChecks(DivergenceService service, ObjectMapper json) {
        this.service = service;
        this.json = json;
    }

    @Incoming(CHANNEL)
    public void onAlert(String value) {
        if (!service.enabled()) {
            return;
        }
        JsonNode alert;
        try {
            alert = json.readTree(value);
        } catch (Exception e) {
            return; // the rules engine wrote it; a record it cannot read is not this consumer's to dead-letter
        }
        if (!"firing".equals(alert.path("status").asText())) {
            return;
        }
        JsonNode labels = alert.path("labels");
        String alertname = labels.path("alertname").asText();
        String cluster = labels.path("cluster").asText();
        Optional<String> replica = Optional.of(labels.path("instance").asText()).filter(s -> !s.isEmpty());
        List<TableRef> tables = new ArrayList<>();
        switch (alertname) {
            case "ReplicationSqlThreadStopped" -> {
                if (!SQL_CAUSES.contains(labels.path("cause").asText())) {
                    return;
                }
                tables.addAll(tablesIn(alert.path("evidence").path("lastSqlError").asText()));
                tables.addAll(tablesIn(alert.path("evidence").path("lastSqlCoordinatorError").asText()));
            }
            case "ErrantTransactions", "MissingTransactions" -> {
                // all tables: without a binlog listener the touched ones are not known
            }
            default -> {
                return;
            }
        }
        if (service.trigger(cluster, tables.stream().distinct().toList(), replica, alertname)) {
            LOG.infof("Data check of %s on %s asked for by %s: %s", cluster, replica.orElse("all replicas"), alertname,
                    tables.isEmpty() ? "every table" : tables);
        }
    }

    /** Tables named in a replication error text ({@code ... event on table lab.t; ...}). */
    static List<TableRef> tablesIn(String error) {
        List<TableRef> out = new ArrayList<>();
        if (error == null) {
            return out;
        }
        Matcher m = TABLE.matcher(error);
        while (m.find()) {
            out.add(new TableRef(m.group(1), m.group(2)));
        }
        return out;
    }
}
