package io.replsentinel.rules;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.replsentinel.event.ReplicationStatus;

/** Reads a status record's JSON value, refusing what the engine could only misread. */
final class StatusReader {

    private final ObjectMapper json;

    StatusReader(ObjectMapper json) {
        this.json = json;
    }

    ReplicationStatus read(String value) {
        if (value == null || value.isBlank()) {
            throw new MalformedRecordException("empty_value", "the record has no value");
        }
        JsonNode node;
        try {
            node = json.readTree(value);
        } catch (JsonProcessingException e) {
            throw new MalformedRecordException("invalid_json", e.getOriginalMessage());
        }
        if (!node.isObject()) {
            throw new MalformedRecordException("invalid_json", "the value is not a JSON object");
        }
        JsonNode version = node.get("schemaVersion");
        if (version == null || !version.canConvertToInt() || version.asInt() != ReplicationStatus.SCHEMA_VERSION) {
            throw new MalformedRecordException("unsupported_schema_version",
                    "schemaVersion " + version + " (this engine reads " + ReplicationStatus.SCHEMA_VERSION + ")");
        }
        for (String field : new String[] {"cluster", "instance", "observedAt", "reachable"}) {
            JsonNode f = node.get(field);
            if (f == null || f.isNull() || (f.isTextual() && f.asText().isBlank())) {
                throw new MalformedRecordException("missing_field", "'" + field + "' is missing");
            }
        }
        try {
            return json.treeToValue(node, ReplicationStatus.class);
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw new MalformedRecordException("invalid_field", e.getMessage().split("\n")[0]);
        }
    }
}
