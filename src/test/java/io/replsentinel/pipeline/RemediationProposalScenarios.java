package io.replsentinel.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import io.replsentinel.lab.DbServer;
import io.replsentinel.lab.Faults;
import io.replsentinel.lab.Flavor;
import io.replsentinel.lab.Topology;
import io.replsentinel.remediation.CommandBook;
import io.replsentinel.remediation.CommandState;
import io.replsentinel.remediation.SetServerIdParams;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Real faults on a lab topology, followed from the alert to the command the service proposes on the
 * commands topic: its exact type, params, SQL, safety and reason; one command per alert episode;
 * expired once the alert resolves. Nothing is ever run: the executor is off in tests.
 */
abstract class RemediationProposalScenarios {

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @Inject
    CommandBook book;

    abstract Topology topology();

    Faults faults() {
        return new Faults(topology());
    }

    boolean mysql() {
        return topology().flavor() == Flavor.MYSQL;
    }

    @Test
    void twoReplicasShareOneServerId_proposeSetServerIdWithTheAllocatorsId_onceForTheEpisode_thenExpireOnResolve() {
        DbServer r0 = topology().replicas().get(0);
        DbServer r1 = topology().replicas().get(1);
        long shared = faults().serverId(r0);
        long own = faults().serverId(r1);
        // the instance later in id order changes its id; the other keeps it (neither is the primary)
        DbServer keeper = r0.id().compareTo(r1.id()) < 0 ? r0 : r1;
        DbServer changed = keeper == r0 ? r1 : r0;
        try (AlertWatch alerts = new AlertWatch(bootstrapServers); CommandWatch commands = new CommandWatch(bootstrapServers)) {
            Instant t0 = Instant.now();
            JsonNode alert;
            JsonNode keeperAlert;
            JsonNode proposed;
            long expectedId;
            try {
                faults().setServerId(r1, shared);
                expectedId = lowestFreeServerId();
                alert = json(alerts.firing("ServerIdCollision", changed.id(), Map.of("server_id", Long.toString(shared))));
                keeperAlert = json(alerts.firing("ServerIdCollision", keeper.id(), Map.of("server_id", Long.toString(shared))));
                proposed = commands.proposedFor(alert.path("fingerprint").asText());
                System.out.printf("[remediation] %s SET_SERVER_ID proposed %d ms after the fault: %s%n", topology().flavor(),
                        java.time.Duration.between(t0, Instant.now()).toMillis(), proposed);
            } finally {
                faults().setServerId(r1, own);
                faults().restartReplication(r0);
                faults().awaitAllHealthy();
            }
            assertThat(proposed.path("type").asText()).isEqualTo("SET_SERVER_ID");
            assertThat(proposed.path("cluster").asText()).isEqualTo(alert.path("labels").path("cluster").asText());
            assertThat(proposed.path("instance").asText()).isEqualTo(changed.id());
            assertThat(proposed.path("safety").asText()).isEqualTo("approval");
            assertThat(proposed.path("reason").path("alertname").asText()).isEqualTo("ServerIdCollision");
            JsonNode p = proposed.path("params");
            assertThat(p.path("flavor").asText()).isEqualTo(mysql() ? "mysql" : "mariadb");
            assertThat(p.path("currentServerId").asLong()).isEqualTo(shared);
            assertThat(p.path("newServerId").asLong()).isEqualTo(expectedId);
            assertThat(TopologyFaultScenarios.texts(p.path("sharedWith"))).containsExactly(keeper.id());
            List<String> sql = new ArrayList<>();
            proposed.path("sql").forEach(s -> sql.add(s.path("server").asText() + " " + s.path("statement").asText()));
            if (mysql()) {
                assertThat(sql).containsExactly(changed.id() + " STOP REPLICA",
                        changed.id() + " SET PERSIST server_id = " + expectedId, changed.id() + " START REPLICA");
            } else {
                assertThat(p.path("optionFileLine").asText()).isEqualTo(SetServerIdParams.optionFileLine(expectedId));
                assertThat(sql.subList(0, 3)).containsExactly(changed.id() + " STOP ALL REPLICAS",
                        changed.id() + " SET GLOBAL server_id = " + expectedId, changed.id() + " START ALL REPLICAS");
                assertThat(proposed.path("sql").get(3).path("server").isNull()).isTrue();
                assertThat(proposed.path("sql").get(3).path("statement").asText())
                        .contains("server_id=" + expectedId).contains("/etc/mysql/mariadb.conf.d/50-server.cnf");
            }
            String id = proposed.path("id").asText();
            // the book on this node holds the signed command as published
            assertThat(book.find(id)).isPresent();
            // the alert resolves from the real servers' state, and its command expires unexecuted
            JsonNode resolved = json(alerts.resolved(alert.path("fingerprint").asText()));
            assertThat(resolved.path("status").asText()).isEqualTo("resolved");
            JsonNode expired = commands.inState(id, "expired");
            assertThat(expired.path("result").asText()).contains("ServerIdCollision resolved");
            assertThat(expired.path("signature").asText()).isNotEqualTo(proposed.path("signature").asText());
            assertThat(book.find(id).orElseThrow().state()).isEqualTo(CommandState.expired);
            // once per episode: every record about the alert is this one command, proposed once
            List<JsonNode> about = commands.about(alert.path("fingerprint").asText());
            assertThat(about.stream().map(c -> c.path("id").asText()).distinct()).containsExactly(id);
            assertThat(about.stream().filter(c -> c.path("state").asText().equals("proposed"))).hasSize(1);
            // the instance that keeps the id gets no command
            assertThat(commands.about(keeperAlert.path("fingerprint").asText())).isEmpty();
        }
    }

    @Test
    void replicaPointedAtAHostThatDoesNotResolve_proposesRepointToTheObservedPrimary_thenExpiresOnResolve() {
        DbServer r = topology().replicas().get(1);
        String host = "repoint-" + topology().flavor().name().toLowerCase() + ".nowhere.invalid";
        DbServer primary = topology().source();
        try (AlertWatch alerts = new AlertWatch(bootstrapServers); CommandWatch commands = new CommandWatch(bootstrapServers)) {
            JsonNode alert;
            JsonNode proposed;
            try {
                topology().changeSource(r, host, 3306);
                alert = json(alerts.firing("ReplicaSourceMismatch", r.id(), Map.of("cause", "unresolvable")));
                proposed = commands.proposedFor(alert.path("fingerprint").asText());
            } finally {
                topology().repointAtSource(r);
                faults().awaitAllHealthy();
            }
            assertThat(proposed.path("type").asText()).isEqualTo("REPOINT_REPLICA");
            assertThat(proposed.path("instance").asText()).isEqualTo(r.id());
            assertThat(proposed.path("safety").asText()).isEqualTo("approval");
            JsonNode p = proposed.path("params");
            assertThat(p.path("fromHost").asText()).isEqualTo(host);
            assertThat(p.path("fromPort").asInt()).isEqualTo(3306);
            assertThat(p.path("toInstance").asText()).isEqualTo(primary.id());
            assertThat(p.path("toHost").asText()).isEqualTo(primary.host());
            assertThat(p.path("toPort").asInt()).isEqualTo(primary.port());
            List<String> sql = new ArrayList<>();
            proposed.path("sql").forEach(s -> sql.add(s.path("server").asText() + " " + s.path("statement").asText()));
            String change = mysql()
                    ? "CHANGE REPLICATION SOURCE TO SOURCE_HOST = '" + primary.host() + "', SOURCE_PORT = " + primary.port()
                    + ", SOURCE_AUTO_POSITION = 1"
                    : "CHANGE MASTER TO MASTER_HOST = '" + primary.host() + "', MASTER_PORT = " + primary.port()
                    + ", MASTER_USE_GTID = slave_pos";
            assertThat(sql).containsExactly(r.id() + " STOP REPLICA", r.id() + " " + change, r.id() + " START REPLICA");
            alerts.resolved(alert.path("fingerprint").asText());
            assertThat(commands.inState(proposed.path("id").asText(), "expired").path("result").asText())
                    .contains("ReplicaSourceMismatch resolved");
        }
    }

    /** The id the allocator must hand out: the lowest one no lab server (of any cluster the service polls) has. */
    static long lowestFreeServerId() {
        Set<Long> used = new TreeSet<>();
        for (Topology t : List.of(Lab.mysql(), Lab.mariadb(), Lab.skew(), Lab.mysqlBinlog(), Lab.mariadbBinlog())) {
            for (DbServer s : t.all()) {
                used.add(Long.parseLong(s.scalar("SELECT @@GLOBAL.server_id")));
            }
        }
        long id = 1;
        while (used.contains(id)) {
            id++;
        }
        return id;
    }

    static JsonNode json(org.apache.kafka.clients.consumer.ConsumerRecord<String, String> r) {
        return io.replsentinel.kafka.KafkaTestClient.json(r);
    }
}
