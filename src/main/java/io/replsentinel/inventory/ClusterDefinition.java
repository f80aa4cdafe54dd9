package io.replsentinel.inventory;

import com.fasterxml.jackson.annotation.JsonAlias;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;
import java.util.Map;

/**
 * A cluster as {@code POST /api/clusters} takes it, shaped like a {@code sentinel.clusters.<name>}
 * entry: the name, the monitoring account, the instances, and optionally the remediation account and
 * the heartbeat and binlog-listener switches. Checked by {@link Inventory#instancesOf} with the
 * configuration's own checks; a bad field is named as {@code instances[1].port}.
 */
public record ClusterDefinition(
        String name,
        String user,
        String password,
        @JsonProperty("remediation-user") @JsonAlias("remediationUser") String remediationUser,
        @JsonProperty("remediation-password") @JsonAlias("remediationPassword") String remediationPassword,
        Boolean heartbeat,
        @JsonProperty("binlog-listener") @JsonAlias("binlogListener") Boolean binlogListener,
        List<InstanceDefinition> instances) {

    /** One instance of a {@link ClusterDefinition}. */
    public record InstanceDefinition(String host, Integer port, String role, Map<String, String> labels) {
    }

    @Override
    public String toString() {
        return "ClusterDefinition[" + name + ", user=" + user + ", " + (instances == null ? 0 : instances.size())
                + " instance(s)]";
    }
}
