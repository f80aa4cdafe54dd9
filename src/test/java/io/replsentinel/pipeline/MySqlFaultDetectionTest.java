package io.replsentinel.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.replsentinel.kafka.KafkaBrokerResource;
import io.replsentinel.kafka.KafkaTestClient;
import io.replsentinel.lab.DbServer;
import io.replsentinel.lab.Faults;
import io.replsentinel.lab.Topology;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/** The foundation's faults on a real MySQL 9.7 topology. */
@QuarkusTest
@WithTestResource(value = KafkaBrokerResource.class, scope = TestResourceScope.GLOBAL)
@WithTestResource(value = LabResource.class, scope = TestResourceScope.GLOBAL)
class MySqlFaultDetectionTest extends FaultDetectionScenarios {

    private static final String HEARTBEAT_PRIVILEGES = "CREATE, INSERT, UPDATE, SELECT";

    @Override
    Topology topology() {
        return Lab.mysql();
    }

    @Override
    String cluster() {
        return Lab.MYSQL_CLUSTER;
    }

    /** This cluster runs the heartbeat: its writes on the primary are a capability of their own. */
    @Test
    void heartbeatGrantRevokedOnThePrimary_monitorPrivilegesMissingNamesItsGrant_andTheGrantHealsIt() {
        DbServer source = topology().source();
        Faults faults = new Faults(topology());
        String account = "'" + Topology.MONITOR_USER + "'@'%'";
        String on = Lab.HEARTBEAT_SCHEMA + ".*";
        try (AlertWatch alerts = new AlertWatch(bootstrapServers)) {
            // only on the primary (not replicated), and a fresh login: servers read privileges at login
            faults.execUnlogged(source, "REVOKE " + HEARTBEAT_PRIVILEGES + " ON " + on + " FROM " + account);
            faults.dropConnectionsOf(source, Topology.MONITOR_USER);
            String fingerprint;
            try {
                JsonNode missing = KafkaTestClient.json(alerts.firing("MonitorPrivilegesMissing", source.id(),
                        Map.of("privilege", HEARTBEAT_PRIVILEGES)));
                assertThat(FaultDetectionScenarios.labels(missing)).isEqualTo(new TreeMap<>(Map.of(
                        "alertname", "MonitorPrivilegesMissing", "cluster", cluster(), "instance", source.id(),
                        "severity", "warning", "privilege", HEARTBEAT_PRIVILEGES, "zone", "zone-0")));
                JsonNode evidence = missing.path("evidence");
                assertThat(evidence.path("grant").asText())
                        .isEqualTo("GRANT " + HEARTBEAT_PRIVILEGES + " ON " + on + " TO " + account);
                JsonNode denied = evidence.path("denied").get(0);
                assertThat(denied.path("capability").asText()).isEqualTo("heartbeat");
                assertThat(denied.path("statement").asText()).contains("INSERT INTO " + Lab.HEARTBEAT_SCHEMA + ".heartbeat");
                assertThat(denied.path("errno").asInt()).isEqualTo(1142);
                assertThat(denied.path("lost").asText()).contains("Seconds_Behind_Source");
                fingerprint = missing.path("fingerprint").asText();
            } finally {
                // no connection dropped: the poller's own re-login (sentinel.poll.privilege-recheck) must heal it
                faults.execUnlogged(source, "GRANT " + HEARTBEAT_PRIVILEGES + " ON " + on + " TO " + account);
            }
            alerts.resolved(fingerprint);
            assertThat(alerts.seen()).noneMatch(r -> {
                JsonNode a = KafkaTestClient.json(r);
                return a.path("labels").path("alertname").asText().equals("InstanceUnreachable")
                        && a.path("labels").path("cluster").asText().equals(cluster());
            });
        }
    }
}
