package io.replsentinel.remediation;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;

import java.io.IOException;
import java.time.Instant;
import java.util.List;

/** Reads a {@link RemediationCommand}: {@code params} as the record its {@code type} names. */
final class CommandJson {

    private CommandJson() {
    }

    static final class Deserializer extends StdDeserializer<RemediationCommand> {

        Deserializer() {
            super(RemediationCommand.class);
        }

        @Override
        public RemediationCommand deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            JsonNode n = p.readValueAsTree();
            if (n == null || !n.isObject()) {
                throw ctxt.weirdStringException(String.valueOf(n), RemediationCommand.class, "a command is a JSON object");
            }
            ObjectMapper codec = (ObjectMapper) p.getCodec();
            CommandType type = enumValue(ctxt, n, "type", CommandType.class);
            JsonNode params = n.get("params");
            CommandParams typed = params == null || params.isNull() ? null : codec.treeToValue(params, type.paramsType());
            try {
                return new RemediationCommand(
                        n.path("schemaVersion").asInt(RemediationCommand.SCHEMA_VERSION),
                        text(n, "id"),
                        codec.treeToValue(n.get("createdAt"), Instant.class),
                        codec.treeToValue(n.get("expiresAt"), Instant.class),
                        type,
                        text(n, "cluster"),
                        text(n, "instance"),
                        typed,
                        codec.treeToValue(n.get("reason"), CommandReason.class),
                        n.hasNonNull("safety") ? enumValue(ctxt, n, "safety", Safety.class) : null,
                        n.hasNonNull("sql") ? codec.convertValue(n.get("sql"), new TypeReference<List<SqlStatement>>() {
                        }) : List.of(),
                        enumValue(ctxt, n, "state", CommandState.class),
                        text(n, "result"),
                        text(n, "approvedBy"),
                        text(n, "signature"));
            } catch (IllegalArgumentException | NullPointerException e) {
                throw ctxt.instantiationException(RemediationCommand.class, e.getMessage());
            }
        }

        private static String text(JsonNode n, String field) {
            JsonNode v = n.get(field);
            return v == null || v.isNull() ? null : v.asText();
        }

        private static <E extends Enum<E>> E enumValue(DeserializationContext ctxt, JsonNode n, String field, Class<E> type)
                throws IOException {
            String v = text(n, field);
            if (v == null) {
                throw ctxt.instantiationException(RemediationCommand.class, field + " is required");
            }
            try {
                return Enum.valueOf(type, v);
            } catch (IllegalArgumentException e) {
                throw ctxt.instantiationException(RemediationCommand.class, field + " '" + v + "' is not one of "
                        + java.util.Arrays.toString(type.getEnumConstants()));
            }
        }
    }
}
