package io.replsentinel.event;

import java.time.Instant;
import java.util.Map;

/**
 * An alert state change, Alertmanager-shaped so that one object goes to Alertmanager, Slack and
 * the alerts topic. {@code evidence} holds the status fields that made it fire.
 *
 * @param status      {@code firing} or {@code resolved}
 * @param endsAt      null while firing; when it resolved otherwise
 * @param fingerprint stable for the same alertname and labels
 */
public record Alert(
        int schemaVersion,
        String status,
        Map<String, String> labels,
        Map<String, String> annotations,
        Instant startsAt,
        Instant endsAt,
        String fingerprint,
        String generatorURL,
        Map<String, Object> evidence) {

    public static final int SCHEMA_VERSION = 1;
    public static final String FIRING = "firing";
    public static final String RESOLVED = "resolved";

    public String alertname() {
        return labels.get("alertname");
    }

    public boolean firing() {
        return FIRING.equals(status);
    }
}
