package io.replsentinel.event;

import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;

import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Validates event values against the JSON Schemas the service ships in {@code schemas/}. */
public final class SchemaCheck {

    public static final String STATUS = "/schemas/replication-status.v1.json";
    public static final String ALERT = "/schemas/alert.v1.json";
    public static final String DIVERGENCE = "/schemas/divergence-finding.v1.json";
    public static final String GTID = "/schemas/gtid-event.v1.json";
    public static final String LISTENER_STATE = "/schemas/binlog-listener-state.v1.json";
    public static final String COMMAND = "/schemas/remediation-command.v1.json";

    private static final SchemaRegistry REGISTRY = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);
    private static final Map<String, Schema> SCHEMAS = new ConcurrentHashMap<>();

    private SchemaCheck() {
    }

    /** The schema violations of {@code json}, empty when it conforms. */
    public static List<String> violations(String schemaResource, String json) {
        Schema schema = SCHEMAS.computeIfAbsent(schemaResource, r -> {
            InputStream in = SchemaCheck.class.getResourceAsStream(r);
            if (in == null) {
                throw new IllegalArgumentException("no schema " + r);
            }
            return REGISTRY.getSchema(in);
        });
        return schema.validate(json, InputFormat.JSON).stream().map(Error::toString).toList();
    }
}
