package io.replsentinel.api.auth;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.replsentinel.kafka.KafkaBrokerResource;
import io.replsentinel.pipeline.LabResource;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every writing operation the OpenAPI document lists (so also those added after this test was
 * written) refuses a request without a token (401) and one with a read token (403), is documented
 * with the bearer scheme and the role it needs, and lets that role through.
 */
@QuarkusTest
@WithTestResource(value = KafkaBrokerResource.class, scope = TestResourceScope.GLOBAL)
@WithTestResource(value = LabResource.class, scope = TestResourceScope.GLOBAL)
class ApiAuthorizationTest {

    private static final Set<String> WRITING = Set.of("post", "put", "patch", "delete");

    /** One writing operation of the OpenAPI document, its path parameters filled with names that exist nowhere. */
    private record Operation(String method, String path, List<String> roles) {
        String concretePath() {
            return path.replaceAll("\\{[^}]+}", "no-such-thing");
        }

        RequestSpecification request(RequestSpecification r) {
            return r.contentType("application/json").body("{}");
        }

        int send(RequestSpecification r) {
            return request(r).request(method.toUpperCase(), concretePath()).statusCode();
        }
    }

    @SuppressWarnings("unchecked")
    private static List<Operation> writingOperations() {
        JsonPath doc = given().accept("application/json").get("/q/openapi").then().statusCode(200).extract().jsonPath();
        Map<String, Map<String, Object>> paths = doc.getMap("paths");
        List<Operation> ops = new ArrayList<>();
        paths.forEach((path, methods) -> methods.forEach((method, op) -> {
            if (WRITING.contains(method)) {
                List<Map<String, List<String>>> security = (List<Map<String, List<String>>>) ((Map<String, Object>) op)
                        .getOrDefault("security", List.of());
                List<String> roles = security.stream().flatMap(s -> s.getOrDefault("bearer", List.of()).stream()).toList();
                ops.add(new Operation(method, path, roles));
            }
        }));
        return ops;
    }

    @Test
    void everyWritingEndpoint_answers401WithoutAToken_and403WithAReadToken() {
        List<Operation> ops = writingOperations();
        assertThat(ops).extracting(o -> o.method() + " " + o.path())
                .contains("post /api/clusters", "delete /api/clusters/{cluster}");
        for (Operation op : ops) {
            assertThat(op.send(given())).as("%s %s without a token", op.method(), op.path()).isEqualTo(401);
            assertThat(op.send(given().auth().oauth2("an-unknown-token"))).as("%s %s with an unknown token", op.method(),
                    op.path()).isEqualTo(401);
            assertThat(op.send(given().auth().oauth2(TestTokens.READER))).as("%s %s with a read token", op.method(),
                    op.path()).isEqualTo(403);
        }
    }

    @Test
    void everyWritingEndpoint_isDocumentedWithTheBearerSchemeAndARoleAboveRead_andThatRoleIsLetThrough() {
        for (Operation op : writingOperations()) {
            assertThat(op.roles()).as("%s %s roles in /q/openapi", op.method(), op.path()).isNotEmpty()
                    .doesNotContain(ApiRole.READ);
            boolean approveSuffices = op.roles().contains(ApiRole.APPROVE);
            int asApprover = op.send(given().auth().oauth2(TestTokens.APPROVER));
            int asAdmin = op.send(given().auth().oauth2(TestTokens.ADMIN));
            // the request names nothing that exists: past the role check it is refused on its merits (400, 404, 409)
            assertThat(asAdmin).as("%s %s as admin", op.method(), op.path()).isNotIn(401, 403);
            if (approveSuffices) {
                assertThat(asApprover).as("%s %s as approver", op.method(), op.path()).isNotIn(401, 403);
            } else {
                assertThat(asApprover).as("%s %s as approver (admin only)", op.method(), op.path()).isEqualTo(403);
            }
        }
    }

    @Test
    void clusterEndpoints_needTheAdminRole() {
        given().auth().oauth2(TestTokens.APPROVER).contentType("application/json").body("{}")
                .post("/api/clusters").then().statusCode(403);
        given().auth().oauth2(TestTokens.APPROVER).delete("/api/clusters/no-such-cluster").then().statusCode(403);
        given().auth().oauth2(TestTokens.ADMIN).delete("/api/clusters/no-such-cluster").then().statusCode(404);
    }
}
