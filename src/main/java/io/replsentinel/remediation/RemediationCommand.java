package io.replsentinel.remediation;

import com.fasterxml.jackson.databind.annotation.JsonDeserialize;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A remediation command (contract section 2), keyed by instance id on
 * {@code mysql.replication.commands}. Read from JSON by its {@code type}: {@code params} becomes
 * that type's record ({@link CommandType#paramsType()}), so bad params fail the read with the field
 * named.
 *
 * @param params     typed per {@code type}
 * @param sql        the exact statements it would run, in order, and on which server
 * @param result     what the last attempt did, or why it did not run
 * @param approvedBy the token name that approved (or rejected) it
 * @param signature  HMAC over the canonical command with {@code sentinel.remediation.signing-key}
 */
@JsonDeserialize(using = CommandJson.Deserializer.class)
public record RemediationCommand(
        int schemaVersion,
        String id,
        Instant createdAt,
        Instant expiresAt,
        CommandType type,
        String cluster,
        String instance,
        CommandParams params,
        CommandReason reason,
        Safety safety,
        List<SqlStatement> sql,
        CommandState state,
        String result,
        String approvedBy,
        String signature) {

    public static final int SCHEMA_VERSION = 1;

    public RemediationCommand {
        Objects.requireNonNull(type, "type is required");
        Objects.requireNonNull(state, "state is required");
        if (params != null && !type.paramsType().isInstance(params)) {
            throw new IllegalArgumentException("params of a " + type + " command must be "
                    + type.paramsType().getSimpleName() + ", not " + params.getClass().getSimpleName());
        }
        sql = sql == null ? List.of() : List.copyOf(sql);
    }

    /** The same command in another state; unsigned until the book signs it. */
    public RemediationCommand withState(CommandState newState, String newResult, String by) {
        return new RemediationCommand(schemaVersion, id, createdAt, expiresAt, type, cluster, instance, params, reason,
                safety, sql, newState, newResult, by, null);
    }

    /** The same command with this signature. */
    public RemediationCommand withSignature(String newSignature) {
        return new RemediationCommand(schemaVersion, id, createdAt, expiresAt, type, cluster, instance, params, reason,
                safety, sql, state, result, approvedBy, newSignature);
    }

    /** Whether {@code other} is this command (same id, type, target, params, SQL and reason), maybe in another state. */
    public boolean sameCommand(RemediationCommand other) {
        return other != null && Objects.equals(id, other.id) && type == other.type && Objects.equals(cluster, other.cluster)
                && Objects.equals(instance, other.instance) && Objects.equals(params, other.params)
                && Objects.equals(reason, other.reason) && safety == other.safety && Objects.equals(sql, other.sql)
                && Objects.equals(createdAt, other.createdAt) && Objects.equals(expiresAt, other.expiresAt);
    }
}
