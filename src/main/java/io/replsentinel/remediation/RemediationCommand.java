package io.replsentinel.remediation;

import java.time.Instant;
import java.util.List;

/**
 * A remediation command (contract section 2), keyed by instance id on
 * {@code mysql.replication.commands}.
 *
 * @param params     typed per {@code type}
 * @param sql        the exact statements it would run, in order, and on which server
 * @param result     what the last attempt did, or why it did not run
 * @param approvedBy the token name that approved (or rejected) it
 * @param signature  HMAC over the canonical command with {@code sentinel.remediation.signing-key}
 */
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
}
