package io.replsentinel.alerting;

import io.replsentinel.event.Alert;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/** Alerts as the rules engine emits them for real faults, for the delivery tests. */
final class Alerts {

    static final Instant STARTED = Instant.parse("2026-11-26T02:50:13Z");
    static final Instant ENDED = Instant.parse("2026-11-26T02:52:20Z");
    static final String DUPLICATE_ENTRY = "Could not execute Write_rows_v1 event on table lab.t; Duplicate entry '20001' "
            + "for key 'PRIMARY', Error_code: 1062; handler error HA_ERR_FOUND_DUPP_KEY; the event's master log "
            + "mysql-bin.000001, end_log_pos 3741";

    private Alerts() {
    }

    /** ReplicationSqlThreadStopped on a MariaDB replica after a duplicate key, as the lab produces it. */
    static Alert duplicateKey(String status, String instance) {
        Map<String, String> labels = new TreeMap<>(Map.of("alertname", "ReplicationSqlThreadStopped",
                "cluster", "mariadb-lab", "instance", instance, "severity", "critical", "channel", "",
                "cause", "duplicate_key", "zone", "zone-1"));
        Map<String, String> annotations = new LinkedHashMap<>();
        annotations.put("summary", "Replication applier stopped on " + instance + " (duplicate_key)");
        annotations.put("description", "Last_SQL_Errno 1062: " + DUPLICATE_ENTRY);
        annotations.put("runbook_url", "https://github.com/repl-sentinel/repl-sentinel/blob/main/docs/runbooks.md"
                + "#replicationsqlthreadstopped");
        Map<String, Object> evidence = new LinkedHashMap<>();
        evidence.put("flavor", "mariadb");
        evidence.put("version", "10.11.14-MariaDB-log");
        evidence.put("serverId", 2);
        evidence.put("observedAt", STARTED);
        evidence.put("channel", "");
        evidence.put("lastSqlErrno", 1062);
        evidence.put("lastSqlError", DUPLICATE_ENTRY);
        evidence.put("lastSqlErrorAt", null);
        evidence.put("retrievedGtidSet", "0-1-57");
        evidence.put("executedGtidSet", "0-1-56");
        evidence.put("impliesDivergence", true);
        return new Alert(Alert.SCHEMA_VERSION, status, labels, annotations, STARTED,
                Alert.RESOLVED.equals(status) ? ENDED : null, "9f3c2a71d0b4e6f8" + instance.hashCode(),
                "http://localhost:8480/api/clusters/mariadb-lab", evidence);
    }

    /** InstanceUnreachable with cause refused, as the poller reports a killed server. */
    static Alert unreachable(String status) {
        Map<String, String> labels = new TreeMap<>(Map.of("alertname", "InstanceUnreachable",
                "cluster", "orders", "instance", "10.0.0.11:3306", "severity", "critical", "cause", "refused",
                "zone", "a"));
        Map<String, String> annotations = Map.of(
                "summary", "Instance 10.0.0.11:3306 cannot be polled (refused)",
                "description", "Communications link failure: Connection refused",
                "runbook_url", "https://example.test/runbooks.md#instanceunreachable");
        Map<String, Object> evidence = new LinkedHashMap<>();
        evidence.put("errorClass", "refused");
        evidence.put("errno", 0);
        evidence.put("error", "Communications link failure: Connection refused");
        evidence.put("pollMillis", 3);
        return new Alert(Alert.SCHEMA_VERSION, status, labels, annotations, STARTED,
                Alert.RESOLVED.equals(status) ? ENDED : null, "5e1d0c3b2a498877", "http://sentinel:8480/api/clusters/orders",
                evidence);
    }

    /** Any alert, by fingerprint: for the queue and outbox tests, where only identity matters. */
    static Alert alert(String fingerprint, String status) {
        return new Alert(Alert.SCHEMA_VERSION, status, Map.of("alertname", "ReplicationIoThreadStopped",
                "instance", fingerprint, "severity", "warning"), Map.of(), STARTED,
                Alert.RESOLVED.equals(status) ? ENDED : null, fingerprint, "http://sentinel:8480", Map.of());
    }
}
