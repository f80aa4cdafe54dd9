package io.replsentinel.api;

import io.replsentinel.inventory.ClusterExistsException;
import io.replsentinel.inventory.InventoryException;
import io.replsentinel.inventory.runtime.InventoryTopic;
import io.replsentinel.inventory.runtime.SecretCipher;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The API's answers to bad requests, as JSON {@code {"error": ..., "field": ...}}: a malformed
 * definition 400 naming the field, an existing cluster 409, Kafka or the key unavailable 503. The
 * messages come from the checks, which never quote a password.
 */
public class ApiErrors {

    static Response answer(Response.Status status, String message, String field) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", message);
        if (field != null) {
            body.put("field", field);
        }
        return Response.status(status).type(MediaType.APPLICATION_JSON).entity(body).build();
    }

    @ServerExceptionMapper
    public Response malformed(InventoryException e) {
        return answer(Response.Status.BAD_REQUEST, e.getMessage(), e.key());
    }

    @ServerExceptionMapper
    public Response exists(ClusterExistsException e) {
        return answer(Response.Status.CONFLICT, e.getMessage(), "name");
    }

    @ServerExceptionMapper
    public Response noKey(SecretCipher.NoKeyException e) {
        return answer(Response.Status.SERVICE_UNAVAILABLE, e.getMessage(), null);
    }

    @ServerExceptionMapper
    public Response unavailable(InventoryTopic.InventoryUnavailableException e) {
        return answer(Response.Status.SERVICE_UNAVAILABLE, e.getMessage(), null);
    }
}
