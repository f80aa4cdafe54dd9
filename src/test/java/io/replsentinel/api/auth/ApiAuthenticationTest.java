package io.replsentinel.api.auth;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.replsentinel.kafka.KafkaBrokerResource;
import io.replsentinel.pipeline.LabResource;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;

/**
 * Bearer tokens through the framework's security layer, on the running service: reads open without
 * a token, an unknown or malformed token refused with 401 and a Bearer challenge, and the OpenAPI
 * document naming the bearer scheme on every role-guarded operation.
 */
@QuarkusTest
@WithTestResource(value = KafkaBrokerResource.class, scope = TestResourceScope.GLOBAL)
@WithTestResource(value = LabResource.class, scope = TestResourceScope.GLOBAL)
class ApiAuthenticationTest {

    @Test
    void readingEndpoints_areOpenWithoutAToken_byDefault() {
        given().get("/api/clusters").then().statusCode(200);
        given().get("/api/alerts").then().statusCode(200);
    }

    @Test
    void readingEndpoints_answerAReadToken() {
        given().auth().oauth2(TestTokens.READER).get("/api/clusters").then().statusCode(200);
        given().auth().oauth2(TestTokens.ADMIN).get("/api/alerts").then().statusCode(200);
    }

    @Test
    void unknownToken_isRefusedWith401AndABearerChallenge_evenWhereReadsAreOpen() {
        given().auth().oauth2("not-a-configured-token").get("/api/clusters").then().statusCode(401)
                .header("WWW-Authenticate", containsString("Bearer"));
        given().header("Authorization", "Basic " + java.util.Base64.getEncoder().encodeToString(
                ("admin:" + TestTokens.ADMIN).getBytes())).get("/api/clusters").then().statusCode(401);
        given().header("Authorization", "Bearer ").get("/api/clusters").then().statusCode(401);
    }

    @Test
    void openApi_documentsTheBearerSchemeAndTheRolesOfEachGuardedOperation() {
        JsonPath doc = given().accept("application/json").get("/q/openapi").then().statusCode(200).extract().jsonPath();
        Map<String, Object> scheme = doc.getMap("components.securitySchemes.bearer");
        assertThat(scheme).containsEntry("type", "http").containsEntry("scheme", "bearer");
        assertThat(doc.getList("paths.'/api/clusters'.get.security.bearer.flatten()")).containsExactly(ApiRole.READ);
    }
}
