package io.replsentinel.inventory.runtime;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.replsentinel.inventory.ClusterDefinition;

import java.time.Instant;
import java.util.List;

/**
 * The value of an inventory-topic record: a {@link ClusterDefinition} with its passwords sealed by
 * {@link SecretCipher}, who added it and when.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record StoredCluster(
        int schemaVersion,
        String name,
        String user,
        @JsonProperty("password-sealed") String passwordSealed,
        @JsonProperty("remediation-user") String remediationUser,
        @JsonProperty("remediation-password-sealed") String remediationPasswordSealed,
        Boolean heartbeat,
        @JsonProperty("binlog-listener") Boolean binlogListener,
        List<ClusterDefinition.InstanceDefinition> instances,
        Instant addedAt,
        String addedBy) {

    static final int SCHEMA_VERSION = 1;
    static final String PASSWORD = "password";
    static final String REMEDIATION_PASSWORD = "remediation-password";

    static StoredCluster seal(ClusterDefinition d, SecretCipher cipher, Instant at, String by) {
        return new StoredCluster(SCHEMA_VERSION, d.name(), d.user(),
                empty(d.password()) ? null : cipher.seal(d.name(), PASSWORD, d.password()),
                d.remediationUser(),
                empty(d.remediationPassword()) ? null : cipher.seal(d.name(), REMEDIATION_PASSWORD, d.remediationPassword()),
                d.heartbeat(), d.binlogListener(), d.instances(), at, by);
    }

    ClusterDefinition open(SecretCipher cipher) {
        String password = passwordSealed == null ? null : cipher.open(name, PASSWORD, passwordSealed).reveal();
        String remediation = remediationPasswordSealed == null ? null
                : cipher.open(name, REMEDIATION_PASSWORD, remediationPasswordSealed).reveal();
        return new ClusterDefinition(name, user, password, remediationUser, remediation, heartbeat, binlogListener, instances);
    }

    private static boolean empty(String s) {
        return s == null || s.isEmpty();
    }
}
