package io.replsentinel.event;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The shipped schemas accept what the records serialize to and refuse what breaks the contract. */
class EventSchemaTest {

    private final ObjectMapper json = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    private static ReplicationStatus unreachable() {
        return ReplicationStatus.builder("orders", "10.0.0.11:3306").observedAt(Instant.parse("2026-11-26T00:00:00Z"))
                .pollMillis(2003).reachable(false).error(new PollError("timeout", null, "Communications link failure"))
                .expectedRole("primary").sequence(7).poller(new PollerIdentity("node-a", 0)).build();
    }

    @Test
    void serializedStatus_conformsToTheStatusSchema() throws Exception {
        assertThat(SchemaCheck.violations(SchemaCheck.STATUS, json.writeValueAsString(unreachable()))).isEmpty();
    }

    @Test
    void unreachableStatusWithoutError_isRefusedByTheSchema() throws Exception {
        ReplicationStatus s = unreachable();
        String noError = json.writeValueAsString(s).replaceFirst("\"error\":\\{[^}]*\\}", "\"error\":null");
        assertThat(SchemaCheck.violations(SchemaCheck.STATUS, noError)).isNotEmpty();
    }

    @Test
    void statusWithUnknownIoState_isRefusedByTheSchema() throws Exception {
        String bad = json.writeValueAsString(unreachable()).replace("\"channels\":[]",
                "\"channels\":[{\"name\":\"\",\"ioState\":\"maybe\",\"sqlState\":\"running\",\"lastIoErrno\":0,\"lastSqlErrno\":0}]");
        assertThat(SchemaCheck.violations(SchemaCheck.STATUS, bad)).isNotEmpty();
    }

    @Test
    void serializedResolvedAlert_conformsToTheAlertSchema() throws Exception {
        Map<String, Object> evidence = new LinkedHashMap<>();
        evidence.put("lastSqlErrno", 1062);
        evidence.put("lastSqlErrorAt", null);
        Alert alert = new Alert(1, "resolved", Map.of("alertname", "ReplicationSqlThreadStopped", "cluster", "orders",
                "instance", "10.0.0.12:3306", "severity", "critical", "cause", "duplicate_key", "channel", ""),
                Map.of("summary", "s", "description", "d", "runbook_url", "https://x/runbooks.md#replicationsqlthreadstopped"),
                Instant.parse("2026-11-26T00:00:00Z"), Instant.parse("2026-11-26T00:01:00Z"), "0123456789abcdef",
                "http://localhost:8480/api/clusters/orders", evidence);
        assertThat(SchemaCheck.violations(SchemaCheck.ALERT, json.writeValueAsString(alert))).isEmpty();
    }
}
