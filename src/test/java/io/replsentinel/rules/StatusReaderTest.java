package io.replsentinel.rules;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.replsentinel.event.ReplicationStatus;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StatusReaderTest {

    private final ObjectMapper json = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
    private final StatusReader reader = new StatusReader(json);

    @Test
    void writtenStatus_readsBackEqual() throws Exception {
        ReplicationStatus s = Statuses.replica("r1:3306", Instant.parse("2026-11-26T00:00:01.123Z"), Statuses.healthy());
        assertThat(reader.read(json.writeValueAsString(s))).isEqualTo(s);
    }

    @Test
    void notJson_isRejectedAsInvalidJson() {
        assertThatThrownBy(() -> reader.read("{not json")).isInstanceOf(MalformedRecordException.class)
                .extracting(e -> ((MalformedRecordException) e).reason()).isEqualTo("invalid_json");
    }

    @Test
    void missingCluster_isRejectedNamingTheField() {
        assertThatThrownBy(() -> reader.read("{\"schemaVersion\":1,\"instance\":\"a:1\",\"observedAt\":\"2026-11-26T00:00:00Z\",\"reachable\":true}"))
                .isInstanceOf(MalformedRecordException.class).hasMessageContaining("'cluster'");
    }

    @Test
    void unknownSchemaVersion_isRejected() {
        assertThatThrownBy(() -> reader.read("{\"schemaVersion\":99}"))
                .extracting(e -> ((MalformedRecordException) e).reason()).isEqualTo("unsupported_schema_version");
    }

    @Test
    void wrongFieldType_isRejectedAsInvalidField() {
        assertThatThrownBy(() -> reader.read("{\"schemaVersion\":1,\"cluster\":\"c\",\"instance\":\"a:1\","
                + "\"observedAt\":\"yesterday\",\"reachable\":true}"))
                .extracting(e -> ((MalformedRecordException) e).reason()).isEqualTo("invalid_field");
    }
}
