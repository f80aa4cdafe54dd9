package io.replsentinel.rules;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.replsentinel.event.ReplicationStatus;

import java.nio.charset.StandardCharsets;

/**
 * Reads a status record's JSON value, refusing what the engine could only misread. A value in the
 * shape the pollers write is read in one streaming pass ({@link StatusJson}); any other is read as
 * a tree, checked and bound, which also says why a bad one is refused. The record's bytes are read
 * as they arrive ({@link #read(byte[], StatusJson.Previous)}), first as the pollers lay them out
 * exactly ({@link StatusLayout}), then by the streaming read: decoded to text first only when they
 * are not plain ASCII or the streaming read leaves them to the general one, so a value reads the
 * same as it did from the string the consumer used to decode.
 */
final class StatusReader {

    private final ObjectMapper json;
    private final StatusJson streaming;

    StatusReader(ObjectMapper json) {
        this.json = json;
        this.streaming = new StatusJson(json.getFactory(),
                !json.isEnabled(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES));
    }

    /**
     * Reads a record's bytes; values equal to those of the instance's {@code previous} status are
     * that status's objects.
     */
    ReplicationStatus read(byte[] value, StatusJson.Previous previous) {
        // the pollers' exact layout first: it checks every byte it accepts is printable ASCII itself
        ReplicationStatus exact = value == null ? null : StatusLayout.read(value, previous);
        if (exact != null) {
            return exact;
        }
        if (value != null && StatusJson.printableAscii(value)) {
            ReplicationStatus usual = streaming.read(value, previous);
            if (usual != null) {
                return usual;
            }
            // the same text as the streaming read saw: only the general read is left
            return general(new String(value, StandardCharsets.ISO_8859_1));
        }
        // what the string deserializer made of the bytes, malformed sequences replaced
        return read(value == null ? null : new String(value, StandardCharsets.UTF_8), previous);
    }

    ReplicationStatus read(String value) {
        return read(value, StatusJson.Previous.NONE);
    }

    private ReplicationStatus read(String value, StatusJson.Previous previous) {
        if (value == null || value.isBlank()) {
            throw new MalformedRecordException("empty_value", "the record has no value");
        }
        ReplicationStatus usual = streaming.read(value, previous);
        return usual != null ? usual : general(value);
    }

    /** The tree-and-bind read, which says why a value is refused. */
    private ReplicationStatus general(String value) {
        if (value.isBlank()) {
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
