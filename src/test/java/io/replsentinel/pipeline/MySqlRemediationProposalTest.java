package io.replsentinel.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.replsentinel.kafka.KafkaBrokerResource;
import io.replsentinel.kafka.KafkaTestClient;
import io.replsentinel.lab.DbServer;
import io.replsentinel.lab.Topology;
import io.replsentinel.remediation.CommandReason;
import io.replsentinel.remediation.CommandState;
import io.replsentinel.remediation.CommandType;
import io.replsentinel.remediation.RemediationCommand;
import io.replsentinel.remediation.Safety;
import io.replsentinel.remediation.SqlStatement;
import io.replsentinel.remediation.StartReplicaIoThreadParams;
import io.replsentinel.remediation.CommandParams;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Proposals from real faults on the MySQL 9.7 lab topology, plus what only MySQL has (errant GTIDs
 * fixed by empty transactions on the primary), and the refusal of commands this service did not sign.
 */
@QuarkusTest
@WithTestResource(value = KafkaBrokerResource.class, scope = TestResourceScope.GLOBAL)
@WithTestResource(value = LabResource.class, scope = TestResourceScope.GLOBAL)
class MySqlRemediationProposalTest extends RemediationProposalScenarios {

    @Inject
    ObjectMapper mapper;

    @Override
    Topology topology() {
        return Lab.mysql();
    }

    @Test
    void errantWriteOnAReplica_proposesInjectEmptyTransactionsOnThePrimary_thenExpiresOnceRepaired() {
        DbServer r = topology().replicas().get(0);
        DbServer primary = topology().source();
        int key = TopologyFaultScenarios.KEYS.incrementAndGet() + 5000;
        try (AlertWatch alerts = new AlertWatch(bootstrapServers); CommandWatch commands = new CommandWatch(bootstrapServers)) {
            JsonNode alert;
            JsonNode proposed;
            String errant;
            try {
                errant = faults().errantWrite(r, key);
                alert = json(alerts.firing("ErrantTransactions", r.id(), Map.of()));
                proposed = commands.proposedFor(alert.path("fingerprint").asText());
            } finally {
                faults().repairErrantMySql(r, faults().errantGtids(r), key);
            }
            assertThat(proposed.path("type").asText()).isEqualTo("INJECT_EMPTY_TRANSACTIONS");
            assertThat(proposed.path("instance").asText()).isEqualTo(primary.id());
            assertThat(proposed.path("safety").asText()).isEqualTo("approval");
            assertThat(proposed.path("params").path("replica").asText()).isEqualTo(r.id());
            assertThat(proposed.path("params").path("source").asText()).isEqualTo(primary.id());
            assertThat(TopologyFaultScenarios.texts(proposed.path("params").path("gtids"))).containsExactly(errant);
            List<String> sql = new ArrayList<>();
            proposed.path("sql").forEach(s -> sql.add(s.path("server").asText() + " " + s.path("statement").asText()));
            assertThat(sql).containsExactly(primary.id() + " SET GTID_NEXT = '" + errant + "'", primary.id() + " BEGIN",
                    primary.id() + " COMMIT", primary.id() + " SET GTID_NEXT = 'AUTOMATIC'");
            alerts.resolved(alert.path("fingerprint").asText());
            assertThat(commands.inState(proposed.path("id").asText(), "expired").path("result").asText())
                    .contains("ErrantTransactions resolved");
        }
    }

    @Test
    void commandsThisServiceDidNotSign_areRefused_andAlteredCopiesOfAGenuineOneNeverReplaceIt() throws Exception {
        try (CommandWatch commands = new CommandWatch(bootstrapServers);
             KafkaTestClient dlq = KafkaTestClient.fromEnd(bootstrapServers, "mysql.replication.dlq")) {
            // a genuine command, proposed and signed by the service (approval: nothing could run it at once)
            Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
            CommandParams params = new StartReplicaIoThreadParams(CommandParams.Flavor.mysql, "", 2003);
            RemediationCommand genuine = book.propose(new RemediationCommand(RemediationCommand.SCHEMA_VERSION,
                    UUID.randomUUID().toString(), now, now.plusSeconds(3600), CommandType.START_REPLICA_IO_THREAD,
                    "forgery-check", "127.0.0.1:1", params, new CommandReason("ReplicationIoThreadStopped", "00000000000000aa"),
                    Safety.approval, List.of(new SqlStatement("127.0.0.1:1", "START REPLICA IO_THREAD")), CommandState.proposed,
                    null, null, null)).command();
            commands.inState(genuine.id(), "proposed");

            // the same command with other SQL, keeping the genuine signature
            ObjectNode altered = mapper.valueToTree(genuine);
            ((ObjectNode) altered.path("sql").get(0)).put("statement", "SET GLOBAL read_only = OFF");
            // the same command approved by someone who holds no key
            ObjectNode approved = mapper.valueToTree(genuine);
            approved.put("state", "approved").put("approvedBy", "mallory");
            // a command no node of this service ever proposed
            ObjectNode unknown = mapper.valueToTree(genuine);
            String forgedId = UUID.randomUUID().toString();
            unknown.put("id", forgedId).put("signature", "0".repeat(64));
            for (ObjectNode forged : List.of(altered, approved, unknown)) {
                commands.client().send(CommandWatch.TOPIC, genuine.instance(), forged.toString());
            }
            // garbage goes to the dead-letter topic
            commands.client().send(CommandWatch.TOPIC, genuine.instance(), "{\"id\":\"x\",\"type\":\"DROP_DATABASE\"}");
            dlq.awaitRecord("mysql.replication.dlq", rec -> rec.value().contains("DROP_DATABASE"), Duration.ofSeconds(30));

            // the unknown one is kept as refused, never runnable; the genuine one stays as signed
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (book.find(forgedId).isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            RemediationCommand refused = book.find(forgedId).orElseThrow();
            assertThat(refused.state()).isEqualTo(CommandState.refused);
            assertThat(refused.result()).contains("signature does not verify");
            // the records went in order, so the DLQ record proves the altered ones were read before it
            RemediationCommand kept = book.find(genuine.id()).orElseThrow();
            assertThat(kept).isEqualTo(genuine);
            assertThat(book.runnable()).extracting(RemediationCommand::id).doesNotContain(forgedId, genuine.id());
            // refusals stay on this node: nothing about the forged id was published
            assertThat(commands.client().seen()).noneMatch(rec -> rec.value().contains(forgedId)
                    && KafkaTestClient.json(rec).path("state").asText().equals("refused"));
            // clean up: the genuine command is closed, so nothing ever picks it up
            book.reject(genuine.id(), "test", "only a check of the signature");
        }
    }
}
