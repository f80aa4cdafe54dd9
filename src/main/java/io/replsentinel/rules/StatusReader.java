package io.replsentinel.rules;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.replsentinel.event.ReplicationStatus;

/**
 * Reads a status record's JSON value, refusing what the engine could only misread. A value in the
 * shape the pollers write is read in one streaming pass ({@link StatusJson}); any other is read as
 * a tree, checked and bound, which also says why a bad one is refused.
 */
final class StatusReader {

    private final ObjectMapper json;
    private final StatusJson streaming;

    StatusReader(ObjectMapper json) {
        this.json = json;
        this.streaming = new StatusJson(json.getFactory(),
                !json.isEnabled(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES));
    }

    ReplicationStatus read(String value) {
        if (value == null || value.isBlank()) {
            throw new MalformedRecordException("empty_value", "the record has no value");
        }
        ReplicationStatus usual = streaming.read(value);
        if (usual != null) {
            return usual;
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
