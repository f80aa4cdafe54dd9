package io.replsentinel.api;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.replsentinel.api.auth.ApiRole;
import io.replsentinel.api.auth.TestTokens;
import io.replsentinel.kafka.KafkaBrokerResource;
import io.replsentinel.pipeline.LabResource;
import io.replsentinel.remediation.CommandBook;
import io.replsentinel.remediation.CommandParams;
import io.replsentinel.remediation.CommandReason;
import io.replsentinel.remediation.CommandSql;
import io.replsentinel.remediation.CommandState;
import io.replsentinel.remediation.CommandType;
import io.replsentinel.remediation.RemediationCommand;
import io.replsentinel.remediation.Safety;
import io.replsentinel.remediation.StartReplicaIoThreadParams;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

/**
 * The commands endpoints on the running service: who may decide (401 without a token, 403 with a
 * read token), what an unknown id and an illegal transition answer (404, 409), that the decision
 * names the token as {@code approvedBy}, and that the filters and OpenAPI say what they do. The
 * commands are put in the book as the proposer does, signed; the executor is off here.
 */
@QuarkusTest
@WithTestResource(value = KafkaBrokerResource.class, scope = TestResourceScope.GLOBAL)
@WithTestResource(value = LabResource.class, scope = TestResourceScope.GLOBAL)
class CommandsResourceTest {

    private static final String CLUSTER = "commands-api";

    @Inject
    CommandBook book;

    private RemediationCommand proposed(String instance) {
        StartReplicaIoThreadParams params = new StartReplicaIoThreadParams(CommandParams.Flavor.mysql, "", 2003);
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        RemediationCommand c = new RemediationCommand(RemediationCommand.SCHEMA_VERSION, UUID.randomUUID().toString(), now,
                now.plus(1, ChronoUnit.HOURS), CommandType.START_REPLICA_IO_THREAD, CLUSTER, instance, params,
                new CommandReason("ReplicationIoThreadStopped", UUID.randomUUID().toString()), Safety.approval,
                CommandSql.of(instance, params), CommandState.proposed, null, null, null);
        return book.propose(c).command();
    }

    @Test
    void approve_needsATokenWithTheApproveRole_andNamesItsTokenAsApprovedBy() {
        RemediationCommand c = proposed("10.9.0.1:3306");
        given().post("/api/commands/" + c.id() + "/approve").then().statusCode(401);
        given().auth().oauth2(TestTokens.READER).post("/api/commands/" + c.id() + "/approve").then().statusCode(403);
        given().auth().oauth2(TestTokens.APPROVER).post("/api/commands/" + c.id() + "/approve").then().statusCode(200)
                .body("state", equalTo("approved")).body("approvedBy", equalTo("approver"));
        assertThat(book.find(c.id()).orElseThrow().approvedBy()).isEqualTo("approver");
        // approved already: not proposed any more
        given().auth().oauth2(TestTokens.ADMIN).post("/api/commands/" + c.id() + "/approve").then().statusCode(409);
    }

    @Test
    void reject_needsTheApproveRole_andAFinalCommandCannotBeDecidedAgain() {
        RemediationCommand c = proposed("10.9.0.2:3306");
        given().post("/api/commands/" + c.id() + "/reject").then().statusCode(401);
        given().auth().oauth2(TestTokens.READER).post("/api/commands/" + c.id() + "/reject").then().statusCode(403);
        given().auth().oauth2(TestTokens.ADMIN).queryParam("reason", "not tonight").post("/api/commands/" + c.id() + "/reject")
                .then().statusCode(200).body("state", equalTo("rejected")).body("approvedBy", equalTo("admin"));
        given().auth().oauth2(TestTokens.APPROVER).post("/api/commands/" + c.id() + "/reject").then().statusCode(409);
        given().auth().oauth2(TestTokens.APPROVER).post("/api/commands/" + c.id() + "/approve").then().statusCode(409);
    }

    @Test
    void unknownCommand_answers404() {
        given().auth().oauth2(TestTokens.APPROVER).post("/api/commands/no-such-command/approve").then().statusCode(404);
        given().auth().oauth2(TestTokens.APPROVER).post("/api/commands/no-such-command/reject").then().statusCode(404);
    }

    @Test
    void list_filtersByClusterAndState() {
        RemediationCommand open = proposed("10.9.0.3:3306");
        RemediationCommand decided = proposed("10.9.0.4:3306");
        given().auth().oauth2(TestTokens.APPROVER).post("/api/commands/" + decided.id() + "/reject").then().statusCode(200);
        JsonPath proposedOnes = given().queryParam("cluster", CLUSTER).queryParam("state", "proposed").get("/api/commands")
                .then().statusCode(200).extract().jsonPath();
        assertThat(proposedOnes.getList("id", String.class)).contains(open.id()).doesNotContain(decided.id());
        assertThat(proposedOnes.getList("cluster", String.class)).containsOnly(CLUSTER);
        assertThat(given().queryParam("state", "rejected").get("/api/commands").then().statusCode(200).extract().jsonPath()
                .getList("id", String.class)).contains(decided.id()).doesNotContain(open.id());
        given().queryParam("state", "sideways").get("/api/commands").then().statusCode(400);
    }

    @Test
    void openApi_documentsTheCommandsEndpointsAndTheirRoles() {
        JsonPath doc = given().accept("application/json").get("/q/openapi").then().statusCode(200).extract().jsonPath();
        assertThat(doc.getList("paths.'/api/commands/{id}/approve'.post.security.bearer.flatten()"))
                .contains(ApiRole.APPROVE);
        assertThat(doc.getMap("paths.'/api/commands/{id}/approve'.post.responses")).containsKeys("200", "401", "403", "404", "409");
        assertThat(doc.getMap("paths.'/api/commands/{id}/reject'.post.responses")).containsKeys("200", "404", "409");
        assertThat(doc.getList("paths.'/api/commands'.get.parameters.name", String.class)).contains("cluster", "state");
    }
}
