package io.replsentinel.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import io.replsentinel.kafka.KafkaTestClient;
import io.replsentinel.lab.DbServer;
import io.replsentinel.lab.Faults;
import io.replsentinel.lab.Flavor;
import io.replsentinel.lab.Topology;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The foundation's faults, injected for real on one flavor's topology and followed through the
 * whole pipeline (poller, Kafka, rules engine, alerts topic, Alertmanager): each test asserts the
 * exact alert, labels and evidence, then repairs the fault and waits for the resolution.
 */
abstract class FaultDetectionScenarios {

    private static final AtomicInteger KEYS = new AtomicInteger(1000);

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    abstract Topology topology();

    abstract String cluster();

    private Faults faults() {
        return new Faults(topology());
    }

    private boolean mysql() {
        return topology().flavor() == Flavor.MYSQL;
    }

    @Test
    void sqlThreadStopsOnDuplicateKey_firesWithCauseAndRealError_thenResolvesAfterRepair() {
        DbServer replica = topology().replicas().get(0);
        int key = KEYS.incrementAndGet();
        try (AlertWatch alerts = new AlertWatch(bootstrapServers)) {
            faults().duplicateKeyOnReplica(replica, key);

            ConsumerRecord<String, String> fired = alerts.firing("ReplicationSqlThreadStopped", replica.id(), Map.of());
            JsonNode alert = KafkaTestClient.json(fired);
            assertThat(labels(alert)).isEqualTo(new TreeMap<>(Map.of(
                    "alertname", "ReplicationSqlThreadStopped", "cluster", cluster(), "instance", replica.id(),
                    "severity", "critical", "channel", "", "cause", "duplicate_key", "zone", "zone-1")));
            JsonNode evidence = alert.path("evidence");
            assertThat(evidence.path("lastSqlErrno").asInt()).isEqualTo(1062);
            assertThat(evidence.path("lastSqlError").asText()).contains("Duplicate entry '" + key + "'");
            assertThat(evidence.path("lastSqlError").asText()).doesNotStartWith("Coordinator stopped");
            if (mysql()) {
                assertThat(evidence.path("lastSqlCoordinatorError").asText()).startsWith("Coordinator stopped because there were error(s)");
            }
            assertThat(evidence.path("impliesDivergence").asBoolean()).isTrue();
            assertThat(evidence.path("flavor").asText()).isEqualTo(mysql() ? "mysql" : "mariadb");
            assertThat(KafkaTestClient.header(fired, "ce_type")).contains("io.replsentinel.alert.v1");
            assertThat(fired.key()).isEqualTo(alert.path("fingerprint").asText());
            awaitInAlertmanager("ReplicationSqlThreadStopped", replica.id(), true);

            faults().repairDuplicateKey(replica, key);

            JsonNode resolved = KafkaTestClient.json(alerts.resolved(fired.key()));
            assertThat(labels(resolved)).isEqualTo(labels(alert));
            assertThat(resolved.path("endsAt").asText()).isNotEmpty();
            awaitInAlertmanager("ReplicationSqlThreadStopped", replica.id(), false);
        }
    }

    @Test
    void sourceKilled_firesSourceUnreachableAndReplicasConnecting_thenAllResolveOnRestart() {
        DbServer source = topology().source();
        List<DbServer> replicas = topology().replicas();
        try (AlertWatch alerts = new AlertWatch(bootstrapServers)) {
            faults().killSource();

            JsonNode unreachable = KafkaTestClient.json(alerts.firing("InstanceUnreachable", source.id(), Map.of()));
            assertThat(labels(unreachable)).isEqualTo(new TreeMap<>(Map.of(
                    "alertname", "InstanceUnreachable", "cluster", cluster(), "instance", source.id(),
                    "severity", "critical", "cause", "refused", "zone", "zone-0")));
            assertThat(unreachable.path("evidence").path("errorClass").asText()).isEqualTo("refused");
            String[] connecting = new String[replicas.size()];
            for (int i = 0; i < replicas.size(); i++) {
                DbServer r = replicas.get(i);
                JsonNode c = KafkaTestClient.json(alerts.firing("ReplicationIoThreadConnecting", r.id(), Map.of()));
                assertThat(labels(c)).isEqualTo(new TreeMap<>(Map.of(
                        "alertname", "ReplicationIoThreadConnecting", "cluster", cluster(), "instance", r.id(),
                        "severity", "warning", "channel", "", "zone", "zone-" + (i + 1))));
                assertThat(c.path("evidence").path("lastIoErrno").asInt()).isIn(2003, 2013);
                assertThat(c.path("evidence").path("sourcePort").asInt()).isEqualTo(source.port());
                connecting[i] = c.path("fingerprint").asText();
            }

            faults().restartSource();

            alerts.resolved(unreachable.path("fingerprint").asText());
            for (String fp : connecting) {
                alerts.resolved(fp);
            }
        }
    }

    @Test
    void wrongReplicationPassword_firesIoThreadStoppedWithCauseAuth_thenResolvesAfterRepair() {
        DbServer replica = topology().replicas().get(1);
        try (AlertWatch alerts = new AlertWatch(bootstrapServers)) {
            faults().wrongReplicationPassword(replica);

            JsonNode alert = KafkaTestClient.json(alerts.firing("ReplicationIoThreadStopped", replica.id(),
                    Map.of("cause", "auth")));
            assertThat(labels(alert)).isEqualTo(new TreeMap<>(Map.of(
                    "alertname", "ReplicationIoThreadStopped", "cluster", cluster(), "instance", replica.id(),
                    "severity", "critical", "channel", "", "cause", "auth", "zone", "zone-2")));
            assertThat(alert.path("evidence").path("lastIoErrno").asInt()).isEqualTo(1045);
            assertThat(alert.path("evidence").path("lastIoError").asText()).contains("Access denied");

            faults().repairReplicationPassword(replica);

            alerts.resolved(alert.path("fingerprint").asText());
        }
    }

    @Test
    void sourcePurgedBinlogsAStoppedReplicaNeeds_firesIoThreadStoppedWithCauseSourceLogPurged_thenResolves() {
        DbServer replica = topology().replicas().get(1);
        int a = KEYS.incrementAndGet();
        int b = KEYS.incrementAndGet();
        try (AlertWatch alerts = new AlertWatch(bootstrapServers)) {
            faults().purgeBinlogsNeededBy(replica, a, b);

            JsonNode alert = KafkaTestClient.json(alerts.firing("ReplicationIoThreadStopped", replica.id(),
                    Map.of("cause", "source_log_purged")));
            assertThat(labels(alert)).isEqualTo(new TreeMap<>(Map.of(
                    "alertname", "ReplicationIoThreadStopped", "cluster", cluster(), "instance", replica.id(),
                    "severity", "critical", "channel", "", "cause", "source_log_purged", "zone", "zone-2")));
            JsonNode evidence = alert.path("evidence");
            if (mysql()) {
                assertThat(evidence.path("lastIoErrno").asInt()).isEqualTo(13114);
                assertThat(evidence.path("lastIoError").asText()).contains("purged required binary logs");
            } else {
                assertThat(evidence.path("lastIoErrno").asInt()).isEqualTo(1236);
                assertThat(evidence.path("lastIoError").asText()).contains("Could not find GTID state");
            }

            faults().repairPurgedBinlogs(replica);

            alerts.resolved(alert.path("fingerprint").asText());
        }
    }

    private void awaitInAlertmanager(String alertname, String instance, boolean present) {
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
            List<Map<String, Object>> active = Lab.alertmanager().alerts();
            boolean found = active.stream().anyMatch(a -> {
                @SuppressWarnings("unchecked")
                Map<String, Object> labels = (Map<String, Object>) a.get("labels");
                return alertname.equals(labels.get("alertname")) && instance.equals(labels.get("instance"))
                        && cluster().equals(labels.get("cluster"));
            });
            assertThat(found).as("%s on %s in Alertmanager", alertname, instance).isEqualTo(present);
        });
    }

    static TreeMap<String, String> labels(JsonNode alert) {
        TreeMap<String, String> labels = new TreeMap<>();
        Iterator<Map.Entry<String, JsonNode>> it = alert.path("labels").fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            labels.put(e.getKey(), e.getValue().asText());
        }
        return labels;
    }
}
