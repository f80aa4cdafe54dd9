package io.replsentinel.alerting;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.replsentinel.event.Alert;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** What a Slack reader sees for one alert state change. */
class SlackMessageTest {

    private static final String REPLICA = "127.0.0.1:41207";

    @Test
    void firingDuplicateKey_saysFiringInRedWithLabelsErrorAndRunbook() {
        ObjectNode message = SlackMessage.render(Alerts.duplicateKey(Alert.FIRING, REPLICA));

        assertThat(message.path("text").asText())
                .isEqualTo(":red_circle: [FIRING] ReplicationSqlThreadStopped (critical) mariadb-lab/" + REPLICA
                        + ": Replication applier stopped on " + REPLICA + " (duplicate_key)");
        JsonNode attachment = message.path("attachments").get(0);
        assertThat(attachment.path("color").asText()).isEqualTo("#E01E5A");
        assertThat(header(message)).isEqualTo(":red_circle: FIRING: ReplicationSqlThreadStopped");
        assertThat(texts(message)).anySatisfy(t -> assertThat(t)
                .startsWith("*Replication applier stopped on " + REPLICA + " (duplicate_key)*\nLast_SQL_Errno 1062: "));
        assertThat(fields(message)).containsSequence(
                "*Severity*\ncritical", "*Cluster*\nmariadb-lab", "*Instance*\n" + REPLICA, "*Cause*\nduplicate_key");
        assertThat(fields(message)).contains("*zone*\nzone-1")
                .anySatisfy(f -> assertThat(f).startsWith("*Started*\n<!date^" + Alerts.STARTED.getEpochSecond() + "^")
                        .endsWith("|2026-11-26 02:50:13 UTC>"))
                .noneSatisfy(f -> assertThat(f).startsWith("*Channel*"))
                .noneSatisfy(f -> assertThat(f).startsWith("*Resolved*"));
        assertThat(evidence(message)).isEqualTo("*Evidence*\n```"
                + "Last_SQL_Errno 1062: " + Alerts.DUPLICATE_ENTRY + "\n"
                + "The replica's data has diverged from its source's.\n"
                + "Server: mariadb 10.11.14-MariaDB-log, server_id 2```");
        assertThat(context(message))
                .contains("<https://github.com/repl-sentinel/repl-sentinel/blob/main/docs/runbooks.md#replicationsqlthreadstopped|Runbook>")
                .contains("<http://localhost:8480/api/clusters/mariadb-lab|Cluster in repl-sentinel>")
                .contains("fingerprint `");
    }

    @Test
    void resolvedDuplicateKey_saysResolvedInGreenWithWhenAndHowLong() {
        ObjectNode message = SlackMessage.render(Alerts.duplicateKey(Alert.RESOLVED, REPLICA));

        assertThat(message.path("text").asText()).startsWith(":white_check_mark: [RESOLVED] ReplicationSqlThreadStopped (critical) mariadb-lab/");
        assertThat(message.path("attachments").get(0).path("color").asText()).isEqualTo("#2EB67D");
        assertThat(header(message)).isEqualTo(":white_check_mark: RESOLVED: ReplicationSqlThreadStopped");
        assertThat(texts(message)).anySatisfy(t -> assertThat(t).startsWith("*Resolved.* *Replication applier stopped"));
        assertThat(fields(message)).anySatisfy(f -> assertThat(f)
                .startsWith("*Resolved*\n<!date^" + Alerts.ENDED.getEpochSecond() + "^")
                .endsWith("|2026-11-26 02:52:20 UTC> (after 2m 7s)"));
    }

    @Test
    void warningAndInfo_haveTheirOwnColourAndEmoji() {
        Alert warning = Alerts.alert("abc", Alert.FIRING);
        assertThat(SlackMessage.render(warning).path("attachments").get(0).path("color").asText()).isEqualTo("#ECB22E");
        assertThat(header(SlackMessage.render(warning))).startsWith(":large_orange_circle: FIRING");
        Alert info = new Alert(1, Alert.FIRING, Map.of("alertname", "Note", "severity", "info"), Map.of(),
                Alerts.STARTED, null, "x", "", Map.of());
        assertThat(SlackMessage.render(info).path("attachments").get(0).path("color").asText()).isEqualTo("#36C5F0");
    }

    @Test
    void unreachableInstance_showsThePollErrorClassAndMessage() {
        ObjectNode message = SlackMessage.render(Alerts.unreachable(Alert.FIRING));

        assertThat(evidence(message)).isEqualTo("*Evidence*\n```Poll error (refused): Communications link failure: "
                + "Connection refused```");
        assertThat(fields(message)).contains("*Cause*\nrefused", "*zone*\na");
    }

    @Test
    void textFromServers_isEscapedAndSecretLookingEvidenceIsLeftOut() {
        Map<String, Object> evidence = new LinkedHashMap<>();
        evidence.put("lastIoErrno", 1045);
        evidence.put("lastIoError", "Access denied for user 'repl'@'10.0.0.12' (using password: YES) <&>");
        evidence.put("replicationPassword", "hunter2");
        evidence.put("errantSet", "3e11fa47-71ca-11e1-9e33-c80aa9429562:23");
        Alert alert = new Alert(1, Alert.FIRING, Map.of("alertname", "ReplicationIoThreadStopped", "severity", "critical",
                "cluster", "a<b>", "instance", "h:1"), Map.of("summary", "x & y"), Alerts.STARTED, null, "f", "", evidence);

        ObjectNode message = SlackMessage.render(alert);

        assertThat(message.toString()).doesNotContain("hunter2");
        assertThat(evidence(message)).isEqualTo("*Evidence*\n```Last_IO_Errno 1045: Access denied for user "
                + "'repl'@'10.0.0.12' (using password: YES) &lt;&amp;&gt;\n"
                + "errantSet: 3e11fa47-71ca-11e1-9e33-c80aa9429562:23```");
        assertThat(fields(message)).contains("*Cluster*\na&lt;b&gt;");
        assertThat(message.path("text").asText()).contains("a&lt;b&gt;/h:1: x &amp; y");
    }

    @Test
    void longValues_stayWithinSlackBlockLimits() {
        String huge = "e".repeat(10_000);
        Alert alert = new Alert(1, Alert.FIRING, Map.of("alertname", "A".repeat(300), "severity", "critical"),
                Map.of("summary", huge, "description", huge), Alerts.STARTED, null, "f", "",
                Map.of("lastSqlErrno", 1146, "lastSqlError", huge));

        ObjectNode message = SlackMessage.render(alert);

        assertThat(header(message)).hasSizeLessThanOrEqualTo(150);
        assertThat(texts(message)).allSatisfy(t -> assertThat(t).hasSizeLessThanOrEqualTo(3000));
        assertThat(evidence(message)).endsWith("```");
    }

    @Test
    void durations_readAsAPersonWouldSayThem() {
        assertThat(SlackMessage.human(Duration.ofSeconds(42))).isEqualTo("42s");
        assertThat(SlackMessage.human(Duration.ofSeconds(127))).isEqualTo("2m 7s");
        assertThat(SlackMessage.human(Duration.ofMinutes(185))).isEqualTo("3h 5m");
    }

    private static String header(JsonNode message) {
        return blocks(message).stream().filter(b -> b.path("type").asText().equals("header")).findFirst()
                .orElseThrow().path("text").path("text").asText();
    }

    private static List<String> texts(JsonNode message) {
        return blocks(message).stream().filter(b -> b.path("type").asText().equals("section") && b.has("text"))
                .map(b -> b.path("text").path("text").asText()).toList();
    }

    private static String evidence(JsonNode message) {
        return texts(message).stream().filter(t -> t.startsWith("*Evidence*")).findFirst().orElse("");
    }

    private static List<String> fields(JsonNode message) {
        List<String> fields = new ArrayList<>();
        blocks(message).stream().filter(b -> b.has("fields"))
                .forEach(b -> b.path("fields").forEach(f -> fields.add(f.path("text").asText())));
        return fields;
    }

    private static String context(JsonNode message) {
        return blocks(message).stream().filter(b -> b.path("type").asText().equals("context")).findFirst()
                .orElseThrow().path("elements").get(0).path("text").asText();
    }

    private static List<JsonNode> blocks(JsonNode message) {
        List<JsonNode> blocks = new ArrayList<>();
        message.path("attachments").get(0).path("blocks").forEach(blocks::add);
        return blocks;
    }
}
