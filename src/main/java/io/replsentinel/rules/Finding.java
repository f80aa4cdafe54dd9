package io.replsentinel.rules;

import java.time.Instant;
import java.util.Map;

/**
 * A condition one detector sees in the current cluster view: the alert it would raise if it holds
 * for the alert's {@code for:} duration.
 *
 * @param labels     rule-specific labels ({@code channel}, {@code cause}, ...), beside the common ones
 * @param observedAt when the poll that shows the condition was taken
 */
public record Finding(
        String alertname,
        String severity,
        String cluster,
        String instance,
        Map<String, String> labels,
        Map<String, String> instanceLabels,
        String summary,
        String description,
        Map<String, Object> evidence,
        Instant observedAt) {
}
