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
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Faults of the topology itself (who replicates from whom, with which identity, which settings)
 * injected for real on one flavor's lab topology and followed through the whole pipeline: each test
 * reads the alert back from the alerts topic, asserts its exact labels and key evidence, repairs the
 * fault whatever happened, checks the topology is healthy again and waits for the resolution.
 */
abstract class TopologyFaultScenarios {

    /** Row ids of these tests: clear of the other pipeline tests' keys. */
    static final AtomicInteger KEYS = new AtomicInteger(30000);

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    abstract Topology topology();

    abstract String cluster();

    Faults faults() {
        return new Faults(topology());
    }

    boolean mysql() {
        return topology().flavor() == Flavor.MYSQL;
    }

    DbServer source() {
        return topology().source();
    }

    DbServer replica(int i) {
        return topology().replicas().get(i);
    }

    // ------------------------------------------------------------------ ServerIdCollision

    @Test
    void twoReplicasShareOneServerId_firesServerIdCollisionOnBoth_thenResolvesOnceTheIdIsRestored() {
        DbServer r0 = replica(0);
        DbServer r1 = replica(1);
        long shared = faults().serverId(r0);
        long own = faults().serverId(r1);
        try (AlertWatch alerts = new AlertWatch(bootstrapServers);
             KafkaTestClient statuses = KafkaTestClient.fromEnd(bootstrapServers, "mysql.replication.status")) {
            Instant t0 = Instant.now();
            List<JsonNode> fired = new ArrayList<>();
            try {
                faults().setServerId(r1, shared);
                for (DbServer r : List.of(r0, r1)) {
                    JsonNode a = fire(alerts, "ServerIdCollision", r, Map.of("server_id", Long.toString(shared)), t0);
                    assertLabels(a, "ServerIdCollision", r, "critical", Map.of("server_id", Long.toString(shared)));
                    JsonNode ev = a.path("evidence");
                    assertThat(ev.path("serverId").asLong()).isEqualTo(shared);
                    assertThat(ev.path("server_id").asText()).isEqualTo(Long.toString(shared));
                    assertThat(texts(ev.path("sharedWith"))).containsExactly((r == r0 ? r1 : r0).id());
                    assertThat(ev.path("dumpThreadsOnSources").has(source().id())).as(ev.toString()).isTrue();
                    fired.add(a);
                }
                if (mysql()) {
                    // The silent case: nothing on either replica says anything...
                    for (DbServer r : List.of(r0, r1)) {
                        Map<String, Object> s = r.replicaStatus();
                        assertThat(s.get("Replica_IO_Running")).as(r + " " + s).isEqualTo("Yes");
                        assertThat(s.get("Replica_SQL_Running")).as(r + " " + s).isEqualTo("Yes");
                        assertThat(s.get("Last_IO_Errno").toString()).isEqualTo("0");
                    }
                    // ...but the source streams to two replicas while SHOW REPLICAS lists one.
                    JsonNode src = awaitStatus(statuses, source(), s -> s.path("binlogDumpThreads").asInt() == 2
                            && s.path("replicas").size() == 1);
                    assertThat(src.path("replicas").get(0).path("serverId").asLong()).isEqualTo(shared);
                }
            } finally {
                faults().setServerId(r1, own);
                faults().restartReplication(r0);
                faults().awaitAllHealthy();
            }
            fired.forEach(a -> resolves(alerts, a));
        }
    }

    @Test
    void replicaWithItsSourcesServerId_firesServerIdCollisionAndIoThreadStoppedEqualServerId_thenResolves() {
        DbServer r = replica(0);
        long own = faults().serverId(r);
        long sourceId = faults().serverId(source());
        String sid = Long.toString(sourceId);
        try (AlertWatch alerts = new AlertWatch(bootstrapServers)) {
            Instant t0 = Instant.now();
            List<JsonNode> fired = new ArrayList<>();
            try {
                Faults.Observation o = faults().serverIdOfItsSource(r);
                System.out.println("[topo] " + r + " with its source's server_id: " + o.statesSeen());
                for (DbServer s : List.of(source(), r)) {
                    JsonNode a = fire(alerts, "ServerIdCollision", s, Map.of("server_id", sid), t0);
                    assertLabels(a, "ServerIdCollision", s, "critical", Map.of("server_id", sid));
                    assertThat(texts(a.path("evidence").path("sharedWith"))).containsExactly((s == r ? source() : r).id());
                    fired.add(a);
                }
                JsonNode io = fire(alerts, "ReplicationIoThreadStopped", r, Map.of("cause", "equal_server_id"), t0);
                assertLabels(io, "ReplicationIoThreadStopped", r, "critical", Map.of("cause", "equal_server_id", "channel", ""));
                assertThat(io.path("evidence").path("lastIoErrno").asInt()).isEqualTo(mysql() ? 13117 : 1593);
                assertThat(io.path("evidence").path("lastIoError").asText())
                        .contains(mysql() ? "equal MySQL server ids" : "equal MariaDB server ids");
                assertThat(io.path("evidence").path("ioState").asText()).isEqualTo("stopped");
                fired.add(io);
            } finally {
                faults().setServerId(r, own);
                faults().awaitAllHealthy();
            }
            fired.forEach(a -> resolves(alerts, a));
        }
    }

    // ------------------------------------------------------------------ ReplicaSourceMismatch

    @Test
    void replicaPointedAtAHostThatDoesNotResolve_firesSourceMismatchUnresolvable_thenResolvesWhenRepointed() {
        DbServer r = replica(1);
        String host = (mysql() ? "mysql" : "mariadb") + "-0." + (mysql() ? "mysql" : "mariadb") + "-headless.nowhere.invalid";
        try (AlertWatch alerts = new AlertWatch(bootstrapServers)) {
            Instant t0 = Instant.now();
            JsonNode a;
            try {
                topology().changeSource(r, host, 3306);
                a = fire(alerts, "ReplicaSourceMismatch", r, Map.of("cause", "unresolvable"), t0);
                assertLabels(a, "ReplicaSourceMismatch", r, "critical", Map.of("cause", "unresolvable", "channel", ""));
                assertThat(a.path("evidence").path("sourceHost").asText()).isEqualTo(host);
                assertThat(a.path("evidence").path("sourcePort").asInt()).isEqualTo(3306);
                assertThat(a.path("evidence").path("primary").asText()).isEqualTo(source().id());
            } finally {
                topology().repointAtSource(r);
                faults().awaitAllHealthy();
            }
            resolves(alerts, a);
        }
    }

    @Test
    void replicaPointedAtAnotherClustersServer_firesSourceMismatchNotInCluster_thenResolvesWhenRepointed() {
        DbServer r = replica(1);
        DbServer foreign = mysql() ? Lab.mariadb().source() : Lab.mysql().source();
        try (AlertWatch alerts = new AlertWatch(bootstrapServers)) {
            Instant t0 = Instant.now();
            JsonNode a;
            try {
                topology().changeSource(r, foreign.host(), foreign.port());
                a = fire(alerts, "ReplicaSourceMismatch", r, Map.of("cause", "not_in_cluster"), t0);
                assertLabels(a, "ReplicaSourceMismatch", r, "critical", Map.of("cause", "not_in_cluster", "channel", ""));
                assertThat(a.path("evidence").path("sourcePort").asInt()).isEqualTo(foreign.port());
                System.out.println("[topo] " + r + " pointed at " + foreign + ": " + r.replicaStatus());
            } finally {
                topology().repointAtSource(r);
                faults().awaitAllHealthy();
            }
            resolves(alerts, a);
        }
    }

    @Test
    void replicaChainedBehindTheOtherReplica_firesSourceMismatchNotPrimary_thenResolvesWhenRepointed() {
        DbServer r0 = replica(0);
        DbServer r1 = replica(1);
        try (AlertWatch alerts = new AlertWatch(bootstrapServers)) {
            Instant t0 = Instant.now();
            JsonNode a;
            try {
                topology().changeSource(r1, r0, Topology.REPL_USER, Topology.REPL_PASSWORD);
                faults().awaitHealthy(r1, Duration.ofSeconds(30));
                a = fire(alerts, "ReplicaSourceMismatch", r1, Map.of("cause", "not_primary"), t0);
                assertLabels(a, "ReplicaSourceMismatch", r1, "critical", Map.of("cause", "not_primary", "channel", ""));
                assertThat(a.path("evidence").path("sourceInstance").asText()).isEqualTo(r0.id());
                assertThat(a.path("evidence").path("primary").asText()).isEqualTo(source().id());
                assertThat(a.path("evidence").path("sourcePort").asInt()).isEqualTo(r0.port());
            } finally {
                topology().repointAtSource(r1);
                faults().awaitAllHealthy();
            }
            resolves(alerts, a);
        }
    }

    // ------------------------------------------------------------------ MultipleWritablePrimaries

    @Test
    void writableReplica_firesMultipleWritablePrimariesOnItAndTheSource_thenResolvesWhenReadOnlyAgain() {
        DbServer r = replica(0);
        try (AlertWatch alerts = new AlertWatch(bootstrapServers)) {
            Instant t0 = Instant.now();
            List<JsonNode> fired = new ArrayList<>();
            try {
                faults().makeWritable(r);
                for (DbServer s : List.of(source(), r)) {
                    JsonNode a = fire(alerts, "MultipleWritablePrimaries", s, Map.of(), t0);
                    assertLabels(a, "MultipleWritablePrimaries", s, "critical", Map.of());
                    JsonNode ev = a.path("evidence");
                    assertThat(texts(ev.path("writableInstances"))).containsExactlyInAnyOrder(source().id(), r.id());
                    assertThat(ev.path("readOnly").asBoolean()).isFalse();
                    assertThat(ev.path("observedPrimary").asText()).isEqualTo(source().id());
                    assertThat(ev.path("replicationChannels").asInt()).isEqualTo(s == r ? 1 : 0);
                    fired.add(a);
                }
            } finally {
                faults().makeReadOnly(r);
                faults().awaitAllHealthy();
            }
            fired.forEach(a -> resolves(alerts, a));
        }
    }

    // ------------------------------------------------------------------ ReplicationConfigDrift

    @Test
    void replicaWithMinimalRowImage_firesConfigDriftOnItWithSettingLabel_thenResolvesWhenRestored() {
        DbServer r = replica(1);
        try (AlertWatch alerts = new AlertWatch(bootstrapServers)) {
            Instant t0 = Instant.now();
            JsonNode a;
            String previous = null;
            try {
                previous = faults().setGlobal(r, "binlog_row_image", "'MINIMAL'");
                assertThat(previous).isEqualTo("FULL");
                a = fire(alerts, "ReplicationConfigDrift", r, Map.of("setting", "binlog_row_image"), t0);
                assertLabels(a, "ReplicationConfigDrift", r, "warning", Map.of("setting", "binlog_row_image"));
                assertThat(a.path("evidence").path("value").asText()).isEqualTo("MINIMAL");
                assertThat(a.path("evidence").path("expected").asText()).isEqualTo("FULL");
                assertThat(a.path("evidence").path("values").path(source().id()).asText()).isEqualTo("FULL");
            } finally {
                faults().setGlobal(r, "binlog_row_image", "'" + (previous == null ? "FULL" : previous) + "'");
                faults().awaitAllHealthy();
            }
            resolves(alerts, a);
        }
    }

    // ------------------------------------------------------------------ ReplicationLagHigh

    @Test
    void delayedReplicaFallsBehindTheSource_firesLagWarning_thenResolvesWhenTheDelayIsRemoved() {
        DbServer r = replica(1);
        int delay = 40;
        try (AlertWatch alerts = new AlertWatch(bootstrapServers)) {
            Instant t0 = Instant.now();
            JsonNode a;
            try {
                faults().delayReplica(r, delay);
                topology().insert(KEYS.incrementAndGet());
                a = fire(alerts, "ReplicationLagHigh", r, Map.of("severity", "warning"), t0);
                assertLabels(a, "ReplicationLagHigh", r, "warning", Map.of("channel", ""));
                JsonNode ev = a.path("evidence");
                assertThat(ev.path("sqlDelaySeconds").asInt()).isEqualTo(delay);
                assertThat(ev.path("lagSeconds").asDouble()).isBetween(5.0, (double) delay + 5);
                if (mysql()) {
                    // the lab's MySQL cluster runs with the heartbeat on: its age is the lag
                    assertThat(ev.path("source").asText()).isEqualTo("heartbeat");
                    assertThat(ev.path("heartbeatLagMillis").asLong()).isGreaterThanOrEqualTo(5000);
                } else {
                    assertThat(ev.path("source").asText()).isEqualTo("seconds_behind_source");
                    assertThat(ev.path("secondsBehindSource").asLong()).isGreaterThanOrEqualTo(5);
                }
            } finally {
                faults().delayReplica(r, 0);
                faults().awaitAllHealthy();
            }
            resolves(alerts, a);
        }
    }

    // ------------------------------------------------------------------ ReplicationNotConfigured

    @Test
    void replicaWhoseReplicationWasReset_firesNotConfigured_thenResolvesWhenTheChannelIsRecreated() {
        DbServer r = replica(1);
        try (AlertWatch alerts = new AlertWatch(bootstrapServers)) {
            Instant t0 = Instant.now();
            JsonNode a;
            try {
                faults().removeReplication(r);
                a = fire(alerts, "ReplicationNotConfigured", r, Map.of(), t0);
                assertLabels(a, "ReplicationNotConfigured", r, "critical", Map.of());
                assertThat(a.path("evidence").path("expectedRole").asText()).isEqualTo("replica");
                assertThat(a.path("evidence").path("channels").asInt()).isZero();
                assertThat(a.path("evidence").path("readOnly").asBoolean()).isTrue();
            } finally {
                topology().repointAtSource(r);
                faults().awaitAllHealthy();
            }
            resolves(alerts, a);
        }
    }

    // ------------------------------------------------------------------ observed role wins

    @Test
    void switchoverToAReplicaAndBack_settlesToNoAlert_withTheObservedPrimaryFollowing() {
        DbServer r0 = replica(0);
        DbServer r1 = replica(1);
        try (AlertWatch alerts = new AlertWatch(bootstrapServers)) {
            try {
                Switchover.run(topology(), source(), r0, List.of(r1));
                settlesToNoAlert(alerts, r0);
            } finally {
                Switchover.run(topology(), r0, source(), List.of(r1));
            }
            faults().awaitAllHealthy();
            settlesToNoAlert(alerts, source());
            if (mysql()) {
                // leave the lab as found: the heartbeat row the interim primary wrote goes, from the source
                source().exec("DELETE FROM " + Lab.HEARTBEAT_SCHEMA + ".heartbeat WHERE server_id = " + faults().serverId(r0));
                topology().awaitReplicasCaughtUp(Duration.ofSeconds(30));
            }
            List<String> errant = alerts.seen().stream().map(KafkaTestClient::json)
                    .filter(a -> a.path("labels").path("alertname").asText().equals("ErrantTransactions"))
                    .map(a -> a.path("labels").path("instance").asText()).toList();
            assertThat(errant).as("errant transactions around the switchovers").isEmpty();
        }
    }

    /**
     * The cluster reaches a state where the API names {@code primary} as the observed primary and no
     * built-in alert fires, and stays there for several polls. The test profile's own user rule
     * {@code ReplicaWritable} reads the inventory's expected role by its expression, so it is left out.
     */
    void settlesToNoAlert(AlertWatch alerts, DbServer primary) {
        java.util.Set<String> builtIn = io.replsentinel.rules.DetectorCatalogue.names();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        long quietSince = 0;
        List<String> firing = List.of();
        while (System.nanoTime() < deadline) {
            JsonNode cluster = io.restassured.RestAssured.given().get("/api/clusters/" + cluster())
                    .then().statusCode(200).extract().as(JsonNode.class);
            firing = new ArrayList<>();
            for (JsonNode a : cluster.path("firingAlerts")) {
                if (builtIn.contains(a.path("labels").path("alertname").asText())) {
                    firing.add(a.path("labels").path("alertname").asText() + "@" + a.path("labels").path("instance").asText());
                }
            }
            boolean settled = firing.isEmpty() && primary.id().equals(cluster.path("primary").asText());
            if (!settled) {
                quietSince = 0;
            } else if (quietSince == 0) {
                quietSince = System.nanoTime();
            } else if (System.nanoTime() - quietSince > Duration.ofSeconds(5).toNanos()) {
                List<String> transient_ = alerts.during(Duration.ZERO).stream().map(KafkaTestClient::json)
                        .map(a -> a.path("status").asText() + " " + a.path("labels").path("alertname").asText()
                                + "@" + a.path("labels").path("instance").asText()).toList();
                System.out.println("[topo] " + cluster() + " settled with " + primary + " primary; alert changes on the way: " + transient_);
                return;
            }
            alerts.during(Duration.ofMillis(500));
        }
        throw new AssertionError(cluster() + " did not settle with " + primary + " primary and no alert; firing " + firing);
    }

    // ------------------------------------------------------------------ multi-source

    @Test
    void secondChannelToAnUnresolvableSource_alertsCarryTheChannelName_thenResolveWhenTheChannelIsRemoved() {
        DbServer r = replica(0);
        String host = "extra-source.nowhere.invalid";
        try (AlertWatch alerts = new AlertWatch(bootstrapServers)) {
            Instant t0 = Instant.now();
            JsonNode a;
            try {
                faults().addChannel(r, "extra", host, 3306);
                a = fire(alerts, "ReplicaSourceMismatch", r, Map.of("channel", "extra"), t0);
                assertLabels(a, "ReplicaSourceMismatch", r, "critical", Map.of("cause", "unresolvable", "channel", "extra"));
                assertThat(a.path("evidence").path("channel").asText()).isEqualTo("extra");
                assertThat(a.path("evidence").path("sourceHost").asText()).isEqualTo(host);
                // the default channel is untouched and raises nothing
                assertThat(alerts.during(Duration.ZERO).stream().map(KafkaTestClient::json)
                        .filter(x -> x.path("labels").path("instance").asText().equals(r.id()))
                        .filter(x -> x.path("labels").path("channel").asText().isEmpty())
                        .filter(x -> x.path("status").asText().equals("firing")).toList()).isEmpty();
            } finally {
                faults().removeChannel(r, "extra");
                faults().awaitAllHealthy();
            }
            resolves(alerts, a);
        }
    }

    // ------------------------------------------------------------------ helpers

    /** The firing record, with the time it took from {@code since} logged for the report. */
    JsonNode fire(AlertWatch alerts, String alertname, DbServer server, Map<String, String> labels, Instant since) {
        ConsumerRecord<String, String> r = alerts.firing(alertname, server.id(), labels);
        JsonNode a = KafkaTestClient.json(r);
        System.out.printf("[topo] %s %s%s on %s fired after %d ms; evidence %s%n", cluster(), alertname,
                labels, server.id(), r.timestamp() - since.toEpochMilli(), a.path("evidence"));
        return a;
    }

    /** Waits for the resolution of {@code alert} and checks it carries the same labels and an end. */
    void resolves(AlertWatch alerts, JsonNode alert) {
        JsonNode resolved = KafkaTestClient.json(alerts.resolved(alert.path("fingerprint").asText()));
        assertThat(FaultDetectionScenarios.labels(resolved)).isEqualTo(FaultDetectionScenarios.labels(alert));
        assertThat(resolved.path("endsAt").asText()).isNotEmpty();
    }

    /** The alert's labels are exactly the common ones, the instance's zone and {@code extra}. */
    void assertLabels(JsonNode alert, String alertname, DbServer server, String severity, Map<String, String> extra) {
        Map<String, String> expected = new LinkedHashMap<>(Map.of("alertname", alertname, "cluster", cluster(),
                "instance", server.id(), "severity", severity, "zone", "zone-" + topology().all().indexOf(server)));
        expected.putAll(extra);
        assertThat(FaultDetectionScenarios.labels(alert)).isEqualTo(new TreeMap<>(expected));
    }

    /** The first status of {@code server} read from the status topic that satisfies {@code match}. */
    JsonNode awaitStatus(KafkaTestClient statuses, DbServer server, Predicate<JsonNode> match) {
        return KafkaTestClient.json(statuses.awaitRecord("mysql.replication.status", rec -> {
            JsonNode s = KafkaTestClient.json(rec);
            return s.path("instance").asText().equals(server.id()) && match.test(s);
        }, Duration.ofSeconds(30)));
    }

    static List<String> texts(JsonNode array) {
        List<String> result = new ArrayList<>();
        array.forEach(n -> result.add(n.asText()));
        return result;
    }
}
