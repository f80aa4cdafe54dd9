package io.replsentinel.api;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import io.replsentinel.inventory.ClusterDefinition;
import io.replsentinel.inventory.InventoryException;
import jakarta.enterprise.context.ApplicationScoped;

import java.io.IOException;

/**
 * Reads a {@code POST /api/clusters} body strictly: an unknown field (a typo such as {@code pasword})
 * or a value of the wrong type is refused naming the field ({@code instances[0].port}), never
 * silently dropped. The value at fault is not quoted, since it could be a password.
 */
@ApplicationScoped
public class ClusterDefinitions {

    private final ObjectReader reader;

    public ClusterDefinitions(ObjectMapper json) {
        this.reader = json.readerFor(ClusterDefinition.class)
                .with(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .with(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);
    }

    public ClusterDefinition read(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw new InventoryException("(body)", "a JSON object with name, user, password and instances is required");
        }
        try {
            return reader.readValue(body);
        } catch (JsonMappingException e) {
            String field = path(e);
            throw new InventoryException(field.isEmpty() ? "(body)" : field, e instanceof
                    com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException ? "is not a field of a cluster definition"
                    : "has the wrong type");
        } catch (IOException e) {
            throw new InventoryException("(body)", "is not a cluster definition");
        }
    }

    private static String path(JsonMappingException e) {
        StringBuilder b = new StringBuilder();
        for (JsonMappingException.Reference ref : e.getPath()) {
            if (ref.getFieldName() != null) {
                if (!b.isEmpty()) {
                    b.append('.');
                }
                b.append(ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                b.append('[').append(ref.getIndex()).append(']');
            }
        }
        return b.toString();
    }
}
