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

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Topology faults on a real MySQL 9.7 topology, plus the two only MySQL has: a cloned server_uuid,
 * and an errant transaction that leaves the replica perfectly silent.
 */
@QuarkusTest
@WithTestResource(value = KafkaBrokerResource.class, scope = TestResourceScope.GLOBAL)
@WithTestResource(value = LabResource.class, scope = TestResourceScope.GLOBAL)
class MySqlTopologyFaultsTest extends TopologyFaultScenarios {

    @Override
    Topology topology() {
        return Lab.mysql();
    }

    @Override
    String cluster() {
        return Lab.MYSQL_CLUSTER;
    }

    @Test
    void replicaStartedWithAnotherReplicasAutoCnf_firesServerUuidCollisionOnBothAndEqualServerUuidOnTheRefusedOne() {
        DbServer r0 = replica(0);
        DbServer r1 = replica(1);
        Faults faults = faults();
        String uuid = faults.serverUuid(r0);
        byte[] original = faults.autoCnfOf(r1);
        try (AlertWatch alerts = new AlertWatch(bootstrapServers)) {
            Instant t0 = Instant.now();
            List<JsonNode> fired = new ArrayList<>();
            try {
                faults.cloneAutoCnf(r0, r1);
                assertThat(faults.serverUuid(r1)).isEqualTo(uuid);
                for (DbServer r : List.of(r0, r1)) {
                    JsonNode a = fire(alerts, "ServerUuidCollision", r, Map.of("server_uuid", uuid), t0);
                    assertLabels(a, "ServerUuidCollision", r, "critical", Map.of("server_uuid", uuid));
                    assertThat(texts(a.path("evidence").path("sharedWith"))).containsExactly((r == r0 ? r1 : r0).id());
                    fired.add(a);
                }
                // The source drops the older connection with the same uuid: that replica gives up for good.
                Faults.Observation refused = faults.await(r0, Duration.ofSeconds(30), "IO=No with 13114",
                        s -> "No".equals(s.get("Replica_IO_Running")) && "13114".equals(String.valueOf(s.get("Last_IO_Errno"))));
                System.out.println("[topo] refused replica " + r0 + ": " + refused.statesSeen() + " " + refused.get("Last_IO_Error"));
                JsonNode io = fire(alerts, "ReplicationIoThreadStopped", r0, Map.of("cause", "equal_server_uuid"), t0);
                assertLabels(io, "ReplicationIoThreadStopped", r0, "critical", Map.of("cause", "equal_server_uuid", "channel", ""));
                assertThat(io.path("evidence").path("lastIoErrno").asInt()).isEqualTo(13114);
                assertThat(io.path("evidence").path("lastIoError").asText()).contains("same server_uuid");
                fired.add(io);
            } finally {
                faults.restoreAutoCnf(r1, original);
            }
            assertThat(faults.serverUuid(r1)).isNotEqualTo(uuid);
            fired.forEach(a -> resolves(alerts, a));
        }
    }

    @Test
    void errantWriteOnAReplica_firesErrantTransactionsWithTheReplicasGtid_thenResolvesOnceTheSourceHasIt() {
        DbServer r = replica(0);
        Faults faults = faults();
        int key = KEYS.incrementAndGet();
        String replicaUuid = faults.serverUuid(r);
        try (AlertWatch alerts = new AlertWatch(bootstrapServers)) {
            Instant t0 = Instant.now();
            JsonNode a;
            try {
                String errant = faults.errantWrite(r, key);
                assertThat(errant).matches(replicaUuid + ":\\d+");
                a = fire(alerts, "ErrantTransactions", r, Map.of(), t0);
                assertLabels(a, "ErrantTransactions", r, "warning", Map.of());
                JsonNode ev = a.path("evidence");
                assertThat(ev.path("errantGtids").asText()).isEqualTo(errant);
                assertThat(ev.path("errantCount").asLong()).isEqualTo(1);
                assertThat(given().get("/q/metrics").then().statusCode(200).extract().asString())
                        .contains(errantSeries(r) + " 1.0");
                assertThat(texts(ev.path("sources"))).containsExactly(source().id());
                // silent on the server: both threads run, no error
                faults.awaitHealthy(r, Duration.ofSeconds(1));
            } finally {
                faults.repairErrantMySql(r, faults.errantGtids(r), key);
            }
            assertThat(faults.errantGtids(r)).isEmpty();
            resolves(alerts, a);
            assertThat(given().get("/q/metrics").then().statusCode(200).extract().asString())
                    .contains(errantSeries(r) + " 0.0");
        }
    }

    @Test
    void resetReplicaAllAndWritableOnAnExpectedReplica_withTheHeartbeatOn_alertsAndWritesNoTransactionThere() {
        DbServer r = replica(1);
        Faults faults = faults();
        String replicaUuid = faults.serverUuid(r);
        long replicaId = faults.serverId(r);
        try (AlertWatch alerts = new AlertWatch(bootstrapServers);
             KafkaTestClient statuses = KafkaTestClient.fromEnd(bootstrapServers, "mysql.replication.status")) {
            Instant t0 = Instant.now();
            List<JsonNode> fired = new ArrayList<>();
            try {
                // writable first: the other order leaves a window (the wait for the channel to go, a
                // login) in which a poll sees no channel on a still read-only replica, and the alert
                // fires with that status's readOnly=true as its evidence
                faults.makeWritable(r);
                faults.removeReplication(r);
                JsonNode nc = fire(alerts, "ReplicationNotConfigured", r, Map.of(), t0);
                assertLabels(nc, "ReplicationNotConfigured", r, "critical", Map.of());
                assertThat(nc.path("evidence").path("readOnly").asBoolean(true)).isFalse();
                fired.add(nc);
                for (DbServer s : List.of(source(), r)) {
                    JsonNode a = fire(alerts, "MultipleWritablePrimaries", s, Map.of(), t0);
                    assertLabels(a, "MultipleWritablePrimaries", s, "critical", Map.of());
                    assertThat(a.path("evidence").path("observedPrimary").asText()).isEqualTo(source().id());
                    fired.add(a);
                }
                // several polls of the writable, channel-less replica, each one a chance for the heartbeat to write
                long seq = 0;
                for (int i = 0; i < 3; i++) {
                    long after = seq;
                    seq = awaitStatus(statuses, r, st -> st.path("sequence").asLong() > after
                            && !st.path("readOnly").asBoolean(true) && st.path("channels").isEmpty()).path("sequence").asLong();
                }
                Instant read = Instant.now();
                String sourceBeat = source().scalar("SELECT ts FROM " + Lab.HEARTBEAT_SCHEMA + ".heartbeat WHERE server_id = 1");
                assertThat(r.scalar("SELECT @@GLOBAL.gtid_executed")).as("no transaction of the replica's own")
                        .doesNotContain(replicaUuid);
                assertThat(r.scalar("SELECT COUNT(*) FROM " + Lab.HEARTBEAT_SCHEMA + ".heartbeat WHERE server_id = " + replicaId))
                        .isEqualTo("0");
                // the heartbeat is on and keeps beating on the primary
                // a poll of the source that started after the read has beaten by the time its status is out
                awaitStatus(statuses, source(), st -> Instant.parse(st.path("observedAt").asText()).isAfter(read));
                assertThat(source().scalar("SELECT ts FROM " + Lab.HEARTBEAT_SCHEMA + ".heartbeat WHERE server_id = 1"))
                        .isNotEqualTo(sourceBeat);
            } finally {
                faults.makeReadOnly(r);
                topology().repointAtSource(r);
                faults.awaitAllHealthy();
            }
            assertThat(faults.errantGtids(r)).isEmpty();
            fired.forEach(a -> resolves(alerts, a));
        }
    }

    private static String errantSeries(DbServer r) {
        return "mysql_replication_errant_transactions{cluster=\"" + Lab.MYSQL_CLUSTER + "\",instance=\"" + r.id() + "\"}";
    }
}
