package io.replsentinel.alerting;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.replsentinel.event.Alert;
import io.replsentinel.event.Severity;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Renders one alert state change as a Slack incoming-webhook payload: a one-line {@code text}
 * (what notifications and old clients show) and an attachment coloured by severity whose blocks
 * give the labels, summary, description, the evidence that matters, the runbook and the times.
 */
final class SlackMessage {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final DateTimeFormatter UTC = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'")
            .withZone(ZoneOffset.UTC);
    /** Slack's limits: header text, section text, field text, fields per section. */
    private static final int HEADER_MAX = 150;
    private static final int SECTION_MAX = 3000;
    private static final int FIELD_MAX = 2000;
    private static final int FIELDS_MAX = 10;
    private static final int EVIDENCE_VALUE_MAX = 500;
    private static final String RESOLVED_COLOUR = "#2EB67D";
    /** Labels given their own field, in this order; any other label follows them. */
    private static final List<String> LEADING_LABELS = List.of("severity", "cluster", "instance", "channel", "cause");
    /** Evidence already told by a paired line, or too long or too internal for a chat message. */
    private static final Set<String> UNTOLD_EVIDENCE = Set.of(
            "errorClass", "errno", "error", "lastIoErrno", "lastIoError", "lastSqlErrno", "lastSqlError",
            "sourceHost", "sourcePort", "flavor", "version", "impliesDivergence", "channel", "observedAt",
            "pollMillis", "lastIoErrorAt", "lastSqlErrorAt", "lastSqlCoordinatorError", "retrievedGtidSet",
            "executedGtidSet", "serverId");
    private static final Pattern SECRET_KEY = Pattern.compile("(?i).*(password|passwd|secret|token|credential).*");

    private SlackMessage() {
    }

    static ObjectNode render(Alert alert) {
        boolean firing = alert.firing();
        String severity = alert.labels().getOrDefault("severity", "");
        String title = (firing ? emoji(severity) + " FIRING" : ":white_check_mark: RESOLVED") + ": " + alert.alertname();

        ObjectNode attachment = NODES.objectNode();
        attachment.put("color", firing ? colour(severity) : RESOLVED_COLOUR);
        attachment.put("fallback", headline(alert));
        ArrayNode blocks = attachment.putArray("blocks");
        blocks.add(header(title));
        blocks.add(section(summary(alert)));
        blocks.add(fields(alert));
        List<String> evidence = evidenceLines(alert.evidence());
        if (!evidence.isEmpty()) {
            String lines = truncate(escape(String.join("\n", evidence)), SECTION_MAX - 20);
            blocks.add(section("*Evidence*\n```" + lines + "```"));
        }
        blocks.add(context(links(alert)));

        ObjectNode payload = NODES.objectNode();
        payload.put("text", headline(alert));
        payload.putArray("attachments").add(attachment);
        return payload;
    }

    /** {@code [FIRING] ReplicationSqlThreadStopped (critical) cluster/instance: summary}, for notifications. */
    static String headline(Alert alert) {
        Map<String, String> labels = alert.labels();
        String summary = alert.annotations().getOrDefault("summary", "");
        return (alert.firing() ? emoji(labels.getOrDefault("severity", "")) + " [FIRING] " : ":white_check_mark: [RESOLVED] ")
                + escape(alert.alertname() + " (" + labels.getOrDefault("severity", "") + ") "
                + labels.getOrDefault("cluster", "") + "/" + labels.getOrDefault("instance", "")
                + (summary.isEmpty() ? "" : ": " + summary));
    }

    private static String summary(Alert alert) {
        String summary = alert.annotations().getOrDefault("summary", alert.alertname());
        String description = alert.annotations().getOrDefault("description", "");
        String text = "*" + escape(summary) + "*";
        if (!description.isEmpty() && !description.equals(summary)) {
            text += "\n" + escape(description);
        }
        return alert.firing() ? text : "*Resolved.* " + text;
    }

    private static ObjectNode fields(Alert alert) {
        List<String> fields = new ArrayList<>();
        Map<String, String> labels = alert.labels();
        for (String name : LEADING_LABELS) {
            String value = labels.get(name);
            if (value != null && !value.isEmpty()) {
                fields.add(field(capitalise(name), escape(value)));
            }
        }
        fields.add(field("Started", time(alert.startsAt())));
        if (!alert.firing() && alert.endsAt() != null) {
            fields.add(field("Resolved", time(alert.endsAt()) + " (after " + human(Duration.between(alert.startsAt(), alert.endsAt())) + ")"));
        }
        labels.entrySet().stream()
                .filter(e -> !e.getKey().equals("alertname") && !LEADING_LABELS.contains(e.getKey()) && !e.getValue().isEmpty())
                .sorted(Map.Entry.comparingByKey())
                .forEach(e -> fields.add(field(escape(e.getKey()), escape(e.getValue()))));

        ObjectNode section = NODES.objectNode();
        section.put("type", "section");
        ArrayNode array = section.putArray("fields");
        fields.stream().limit(FIELDS_MAX).forEach(f -> array.add(mrkdwn(truncate(f, FIELD_MAX))));
        return section;
    }

    /**
     * The evidence a reader acts on: the error number with its message, the source, the server,
     * then any other short value a detector added (never one whose name suggests a secret).
     */
    static List<String> evidenceLines(Map<String, Object> evidence) {
        List<String> lines = new ArrayList<>();
        errorLine(lines, "Last_SQL_Errno", evidence.get("lastSqlErrno"), evidence.get("lastSqlError"));
        errorLine(lines, "Last_IO_Errno", evidence.get("lastIoErrno"), evidence.get("lastIoError"));
        if (evidence.get("error") != null || evidence.get("errorClass") != null) {
            errorLine(lines, "Poll error" + (evidence.get("errorClass") == null ? "" : " (" + evidence.get("errorClass") + ")"),
                    evidence.getOrDefault("errno", 0), evidence.getOrDefault("error", ""));
        }
        if (Boolean.TRUE.equals(evidence.get("impliesDivergence"))) {
            lines.add("The replica's data has diverged from its source's.");
        }
        if (evidence.get("sourceHost") != null) {
            lines.add("Source: " + evidence.get("sourceHost") + ":" + evidence.get("sourcePort"));
        }
        if (evidence.get("flavor") != null) {
            lines.add("Server: " + evidence.get("flavor") + " " + evidence.getOrDefault("version", "")
                    + (evidence.get("serverId") == null ? "" : ", server_id " + evidence.get("serverId")));
        }
        evidence.forEach((key, value) -> {
            if (!UNTOLD_EVIDENCE.contains(key) && !SECRET_KEY.matcher(key).matches() && value != null
                    && !value.toString().isEmpty()) {
                lines.add(key + ": " + truncate(value.toString(), EVIDENCE_VALUE_MAX));
            }
        });
        return lines;
    }

    private static void errorLine(List<String> lines, String what, Object errno, Object message) {
        boolean hasErrno = errno instanceof Number n && n.longValue() != 0;
        boolean hasMessage = message != null && !message.toString().isEmpty();
        if (hasErrno || hasMessage) {
            lines.add(what + (hasErrno ? " " + errno : "") + (hasMessage ? ": " + truncate(message.toString(), EVIDENCE_VALUE_MAX) : ""));
        }
    }

    private static String links(Alert alert) {
        List<String> parts = new ArrayList<>();
        String runbook = alert.annotations().get("runbook_url");
        if (runbook != null && !runbook.isEmpty()) {
            parts.add(link(runbook, "Runbook"));
        }
        if (alert.generatorURL() != null && !alert.generatorURL().isEmpty()) {
            parts.add(link(alert.generatorURL(), "Cluster in repl-sentinel"));
        }
        parts.add("fingerprint `" + escape(alert.fingerprint()) + "`");
        return String.join("  ·  ", parts);
    }

    private static String link(String url, String label) {
        return "<" + url.replace("|", "%7C").replace(">", "%3E").replace("<", "%3C") + "|" + label + ">";
    }

    /** Slack shows the time in each reader's own zone; the UTC text is for clients that cannot. */
    private static String time(Instant at) {
        return at == null ? "" : "<!date^" + at.getEpochSecond() + "^{date_short_pretty} {time_secs}|" + UTC.format(at) + ">";
    }

    static String human(Duration d) {
        long s = Math.max(0, d.toSeconds());
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return (s / 60) + "m " + (s % 60) + "s";
        }
        return (s / 3600) + "h " + (s % 3600 / 60) + "m";
    }

    /** An alert with a severity outside the vocabulary counts as critical, so it is never filtered out unseen. */
    static Severity severity(String label) {
        return Severity.ofLabel(label).orElse(Severity.critical);
    }

    private static String emoji(String severity) {
        return switch (severity(severity)) {
            case info -> ":large_blue_circle:";
            case warning -> ":large_orange_circle:";
            case critical -> ":red_circle:";
        };
    }

    private static String colour(String severity) {
        return switch (severity(severity)) {
            case info -> "#36C5F0";
            case warning -> "#ECB22E";
            case critical -> "#E01E5A";
        };
    }

    private static ObjectNode header(String text) {
        ObjectNode block = NODES.objectNode();
        block.put("type", "header");
        ObjectNode t = block.putObject("text");
        t.put("type", "plain_text");
        t.put("text", truncate(text, HEADER_MAX));
        t.put("emoji", true);
        return block;
    }

    private static ObjectNode section(String text) {
        ObjectNode block = NODES.objectNode();
        block.put("type", "section");
        block.set("text", mrkdwn(truncate(text, SECTION_MAX)));
        return block;
    }

    private static ObjectNode context(String text) {
        ObjectNode block = NODES.objectNode();
        block.put("type", "context");
        block.putArray("elements").add(mrkdwn(truncate(text, SECTION_MAX)));
        return block;
    }

    private static ObjectNode mrkdwn(String text) {
        ObjectNode node = NODES.objectNode();
        node.put("type", "mrkdwn");
        node.put("text", text);
        return node;
    }

    private static String field(String name, String value) {
        return "*" + name + "*\n" + value;
    }

    private static String capitalise(String s) {
        return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }

    /** The three characters Slack's mrkdwn reserves. */
    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    private static String truncate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max - 1) + "…";
    }
}
