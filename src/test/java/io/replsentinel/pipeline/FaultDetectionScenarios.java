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
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

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
            ConsumerRecord<String, String> fired = underFault(
                    () -> faults().duplicateKeyOnReplica(replica, key),
                    () -> faults().repairDuplicateKey(replica, key),
                    () -> {
                        ConsumerRecord<String, String> r = alerts.firing("ReplicationSqlThreadStopped", replica.id(), Map.of());
                        assertDuplicateKeyAlert(r, replica, key);
                        awaitInAlertmanager("ReplicationSqlThreadStopped", replica.id(), true);
                        return r;
                    });

            JsonNode resolved = KafkaTestClient.json(alerts.resolved(fired.key()));
            assertThat(labels(resolved)).isEqualTo(labels(KafkaTestClient.json(fired)));
            assertThat(resolved.path("endsAt").asText()).isNotEmpty();
            awaitInAlertmanager("ReplicationSqlThreadStopped", replica.id(), false);
        }
    }

    private void assertDuplicateKeyAlert(ConsumerRecord<String, String> fired, DbServer replica, int key) {
        JsonNode alert = KafkaTestClient.json(fired);
        assertThat(labels(alert)).isEqualTo(new TreeMap<>(Map.of(
                "alertname", "ReplicationSqlThreadStopped", "cluster", cluster(), "instance", replica.id(),
                "severity", "critical", "channel", "", "cause", "duplicate_key", "zone", "zone-1")));
        JsonNode evidence = alert.path("evidence");
        assertThat(evidence.path("lastSqlErrno").asInt()).isEqualTo(1062);
        assertThat(evidence.path("lastSqlError").asText()).contains("Duplicate entry '" + key + "'");
        assertThat(evidence.path("lastSqlError").asText()).doesNotStartWith("Coordinator stopped");
        if (mysql()) {
            assertThat(evidence.path("lastSqlCoordinatorError").asText())
                    .startsWith("Coordinator stopped because there were error(s)");
        }
        assertThat(evidence.path("impliesDivergence").asBoolean()).isTrue();
        assertThat(evidence.path("flavor").asText()).isEqualTo(mysql() ? "mysql" : "mariadb");
        assertThat(KafkaTestClient.header(fired, "ce_type")).contains("io.replsentinel.alert.v1");
        assertThat(fired.key()).isEqualTo(alert.path("fingerprint").asText());
    }

    @Test
    void sourceKilled_firesSourceUnreachableAndReplicasConnecting_thenAllResolveOnRestart() {
        DbServer source = topology().source();
        List<DbServer> replicas = topology().replicas();
        try (AlertWatch alerts = new AlertWatch(bootstrapServers)) {
            List<String> fingerprints = underFault(faults()::killSource, faults()::restartSource, () -> {
                JsonNode unreachable = KafkaTestClient.json(alerts.firing("InstanceUnreachable", source.id(), Map.of()));
                assertThat(labels(unreachable)).isEqualTo(new TreeMap<>(Map.of(
                        "alertname", "InstanceUnreachable", "cluster", cluster(), "instance", source.id(),
                        "severity", "critical", "cause", "refused", "zone", "zone-0")));
                assertThat(unreachable.path("evidence").path("errorClass").asText()).isEqualTo("refused");
                List<String> fps = new ArrayList<>(List.of(unreachable.path("fingerprint").asText()));
                for (int i = 0; i < replicas.size(); i++) {
                    DbServer r = replicas.get(i);
                    JsonNode c = KafkaTestClient.json(alerts.firing("ReplicationIoThreadConnecting", r.id(), Map.of()));
                    assertThat(labels(c)).isEqualTo(new TreeMap<>(Map.of(
                            "alertname", "ReplicationIoThreadConnecting", "cluster", cluster(), "instance", r.id(),
                            "severity", "warning", "channel", "", "zone", "zone-" + (i + 1))));
                    assertThat(c.path("evidence").path("lastIoErrno").asInt()).isIn(2003, 2013);
                    assertThat(c.path("evidence").path("sourcePort").asInt()).isEqualTo(source.port());
                    fps.add(c.path("fingerprint").asText());
                }
                return fps;
            });

            fingerprints.forEach(alerts::resolved);
        }
    }

    @Test
    void wrongReplicationPassword_firesIoThreadStoppedWithCauseAuth_thenResolvesAfterRepair() {
        DbServer replica = topology().replicas().get(1);
        try (AlertWatch alerts = new AlertWatch(bootstrapServers)) {
            JsonNode alert = underFault(
                    () -> faults().wrongReplicationPassword(replica),
                    () -> faults().repairReplicationPassword(replica),
                    () -> {
                        JsonNode a = KafkaTestClient.json(alerts.firing("ReplicationIoThreadStopped", replica.id(),
                                Map.of("cause", "auth")));
                        assertThat(labels(a)).isEqualTo(new TreeMap<>(Map.of(
                                "alertname", "ReplicationIoThreadStopped", "cluster", cluster(), "instance", replica.id(),
                                "severity", "critical", "channel", "", "cause", "auth", "zone", "zone-2")));
                        assertThat(a.path("evidence").path("lastIoErrno").asInt()).isEqualTo(1045);
                        assertThat(a.path("evidence").path("lastIoError").asText()).contains("Access denied");
                        return a;
                    });

            alerts.resolved(alert.path("fingerprint").asText());
        }
    }

    @Test
    void sourcePurgedBinlogsAStoppedReplicaNeeds_firesIoThreadStoppedWithCauseSourceLogPurged_thenResolves() {
        DbServer replica = topology().replicas().get(1);
        int a = KEYS.incrementAndGet();
        int b = KEYS.incrementAndGet();
        try (AlertWatch alerts = new AlertWatch(bootstrapServers)) {
            JsonNode alert = underFault(
                    () -> faults().purgeBinlogsNeededBy(replica, a, b),
                    () -> faults().repairPurgedBinlogs(replica),
                    () -> {
                        JsonNode fired = KafkaTestClient.json(alerts.firing("ReplicationIoThreadStopped", replica.id(),
                                Map.of("cause", "source_log_purged")));
                        assertThat(labels(fired)).isEqualTo(new TreeMap<>(Map.of(
                                "alertname", "ReplicationIoThreadStopped", "cluster", cluster(), "instance", replica.id(),
                                "severity", "critical", "channel", "", "cause", "source_log_purged", "zone", "zone-2")));
                        JsonNode evidence = fired.path("evidence");
                        if (mysql()) {
                            assertThat(evidence.path("lastIoErrno").asInt()).isEqualTo(13114);
                            assertThat(evidence.path("lastIoError").asText()).contains("purged required binary logs");
                        } else {
                            assertThat(evidence.path("lastIoErrno").asInt()).isEqualTo(1236);
                            assertThat(evidence.path("lastIoError").asText()).contains("Could not find GTID state");
                        }
                        return fired;
                    });

            alerts.resolved(alert.path("fingerprint").asText());
        }
    }

    @Test
    void monitorDeniedReplicaStatus_firesInstanceUnreachableWithCausePrivileges_neverNotConfigured() {
        DbServer replica = topology().replicas().get(0);
        String privilege = mysql() ? "REPLICATION CLIENT" : "SLAVE MONITOR";
        String account = "'" + Topology.MONITOR_USER + "'@'%'";
        try (AlertWatch alerts = new AlertWatch(bootstrapServers)) {
            JsonNode alert = underFault(
                    () -> {
                        faults().execUnlogged(replica, "REVOKE " + privilege + " ON *.* FROM " + account);
                        dropMonitorConnections(replica); // privileges are read at login
                    },
                    () -> faults().execUnlogged(replica, "GRANT " + privilege + " ON *.* TO " + account),
                    () -> {
                        JsonNode a = KafkaTestClient.json(alerts.firing("InstanceUnreachable", replica.id(), Map.of()));
                        assertThat(labels(a)).isEqualTo(new TreeMap<>(Map.of(
                                "alertname", "InstanceUnreachable", "cluster", cluster(), "instance", replica.id(),
                                "severity", "critical", "cause", "privileges", "zone", "zone-1")));
                        assertThat(a.path("evidence").path("errno").asInt()).isEqualTo(1227);
                        return a;
                    });

            alerts.resolved(alert.path("fingerprint").asText());
            assertThat(alerts.seen()).noneMatch(r -> KafkaTestClient.json(r).path("labels").path("alertname").asText()
                    .equals("ReplicationNotConfigured"));
        }
    }

    @Test
    void exporterGrants_duplicateKeyStillCaught_monitorPrivilegesMissingNamesTheGrant_andTheGrantHealsIt() {
        DbServer source = topology().source();
        DbServer replica = topology().replicas().get(0);
        String privilege = faults().replicaListPrivilege();
        int key = KEYS.incrementAndGet();
        try (AlertWatch alerts = new AlertWatch(bootstrapServers)) {
            String fingerprint = underFault(
                    () -> {
                        faults().exporterGrantsForMonitor();
                        topology().all().forEach(s -> faults().dropConnectionsOf(s, Topology.MONITOR_USER));
                    },
                    // no connection dropped: the poller's own re-login (sentinel.poll.privilege-recheck) must heal it
                    faults()::readmeGrantsForMonitor,
                    () -> {
                        JsonNode missing = KafkaTestClient.json(alerts.firing("MonitorPrivilegesMissing", source.id(),
                                Map.of("privilege", privilege)));
                        assertThat(labels(missing)).isEqualTo(new TreeMap<>(Map.of(
                                "alertname", "MonitorPrivilegesMissing", "cluster", cluster(), "instance", source.id(),
                                "severity", "warning", "privilege", privilege, "zone", "zone-0")));
                        JsonNode evidence = missing.path("evidence");
                        assertThat(evidence.path("grant").asText())
                                .isEqualTo("GRANT " + privilege + " ON *.* TO '" + Topology.MONITOR_USER + "'@'%'");
                        JsonNode denied = evidence.path("denied").get(0);
                        assertThat(denied.path("capability").asText()).isEqualTo("replica_hosts");
                        assertThat(denied.path("statement").asText()).isEqualTo(mysql() ? "SHOW REPLICAS" : "SHOW REPLICA HOSTS");
                        assertThat(denied.path("errno").asInt()).isEqualTo(1227);
                        assertThat(denied.path("error").asText()).contains("Access denied", privilege);
                        assertThat(denied.path("lost").asText()).isNotEmpty();

                        // every other check still runs: a broken applier is caught with its real error
                        faults().duplicateKeyOnReplica(replica, key);
                        try {
                            assertDuplicateKeyAlert(alerts.firing("ReplicationSqlThreadStopped", replica.id(), Map.of()),
                                    replica, key);
                        } finally {
                            faults().repairDuplicateKey(replica, key);
                        }
                        return missing.path("fingerprint").asText();
                    });

            alerts.resolved(fingerprint);
            assertThat(alerts.seen()).noneMatch(r -> {
                JsonNode a = KafkaTestClient.json(r);
                return a.path("labels").path("alertname").asText().equals("InstanceUnreachable")
                        && a.path("labels").path("cluster").asText().equals(cluster());
            });
        }
    }

    @Test
    void replicationUserLosesReplicationSlave_firesIoThreadStoppedWithCauseAuthAtOnce_neverConnecting() {
        List<DbServer> replicas = topology().replicas();
        try (AlertWatch alerts = new AlertWatch(bootstrapServers)) {
            List<String> fingerprints = underFault(
                    faults()::replicationUserLosesReplicationSlave,
                    faults()::repairReplicationSlaveGrant,
                    () -> {
                        List<String> fps = new ArrayList<>();
                        for (int i = 0; i < replicas.size(); i++) {
                            DbServer r = replicas.get(i);
                            JsonNode a = KafkaTestClient.json(alerts.firing("ReplicationIoThreadStopped", r.id(),
                                    Map.of("cause", "auth")));
                            assertThat(labels(a)).isEqualTo(new TreeMap<>(Map.of(
                                    "alertname", "ReplicationIoThreadStopped", "cluster", cluster(), "instance", r.id(),
                                    "severity", "critical", "channel", "", "cause", "auth", "zone", "zone-" + (i + 1))));
                            JsonNode evidence = a.path("evidence");
                            // MariaDB 10.11 words it "Master command COM_REGISTER_SLAVE failed: Access denied
                            // for user 'repl'@'%' (using password: YES) (Errno: 1045)"
                            assertThat(evidence.path("lastIoError").asText()).contains("Access denied");
                            if (!mysql()) {
                                assertThat(evidence.path("lastIoError").asText()).contains("COM_REGISTER_SLAVE");
                                assertThat(evidence.path("lastIoErrno").asInt()).isEqualTo(1597);
                                assertThat(evidence.path("ioState").asText()).isEqualTo("connecting");
                                assertThat(evidence.path("retryCannotHeal").asBoolean()).isTrue();
                            } else {
                                assertThat(evidence.path("lastIoErrno").asInt()).as(evidence.toString()).isEqualTo(13120);
                            }
                            fps.add(a.path("fingerprint").asText());
                        }
                        return fps;
                    });

            fingerprints.forEach(alerts::resolved);
            // the receivers were Connecting for the whole fault, longer than the test's 3 s threshold
            assertThat(alerts.seen()).noneMatch(r -> KafkaTestClient.json(r).path("labels").path("alertname").asText()
                    .equals("ReplicationIoThreadConnecting"));
        }
    }

    @Test
    void sourceHung_firesInstanceUnreachableWithCauseTimeout_itsGaugesLeaveMetrics_replicasStayPolled() {
        DbServer source = topology().source();
        try (AlertWatch alerts = new AlertWatch(bootstrapServers)) {
            String fingerprint = underFault(() -> faults().hang(source), () -> faults().resume(source), () -> {
                JsonNode a = KafkaTestClient.json(alerts.firing("InstanceUnreachable", source.id(), Map.of()));
                assertThat(labels(a)).isEqualTo(new TreeMap<>(Map.of(
                        "alertname", "InstanceUnreachable", "cluster", cluster(), "instance", source.id(),
                        "severity", "critical", "cause", "timeout", "zone", "zone-0")));
                assertThat(a.path("evidence").path("errorClass").asText()).isEqualTo("timeout");
                await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
                    List<String> series = metricsOf(source);
                    assertThat(series).as("series of the hung source").singleElement()
                            .satisfies(line -> assertThat(line).startsWith("mysql_instance_up{").endsWith(" 0.0"));
                    for (DbServer r : topology().replicas()) {
                        assertThat(metricsOf(r)).anyMatch(line -> line.startsWith("mysql_instance_up{") && line.endsWith(" 1.0"))
                                .anyMatch(line -> line.startsWith("mysql_instance_info{"));
                    }
                });
                return a.path("fingerprint").asText();
            });

            alerts.resolved(fingerprint);
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).untilAsserted(() ->
                    assertThat(metricsOf(source)).anyMatch(line -> line.startsWith("mysql_instance_info{")));
            assertThat(alerts.seen()).noneMatch(r -> {
                JsonNode x = KafkaTestClient.json(r);
                return x.path("labels").path("alertname").asText().equals("InstanceUnreachable")
                        && !x.path("labels").path("instance").asText().equals(source.id())
                        && x.path("labels").path("cluster").asText().equals(cluster());
            });
        }
    }

    /** The /q/metrics lines of one instance's mysql_* series. */
    private List<String> metricsOf(DbServer server) {
        String body = io.restassured.RestAssured.given().get("/q/metrics").then().statusCode(200).extract().asString();
        return body.lines().filter(l -> l.startsWith("mysql_") && l.contains("cluster=\"" + cluster() + "\"")
                && l.contains("instance=\"" + server.id() + "\"")).toList();
    }

    private static void dropMonitorConnections(DbServer server) {
        for (Map<String, Object> row : server.query("SELECT ID FROM information_schema.PROCESSLIST WHERE USER = '"
                + Topology.MONITOR_USER + "'")) {
            try {
                server.exec("KILL " + row.get("ID"));
            } catch (IllegalStateException alreadyGone) {
                // the connection ended between the two statements
            }
        }
    }

    /** Injects a fault, checks what it raised, and repairs it whatever the check said: later tests share the servers. */
    private static <T> T underFault(Runnable inject, Runnable repair, Supplier<T> check) {
        inject.run();
        try {
            return check.get();
        } finally {
            repair.run();
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
