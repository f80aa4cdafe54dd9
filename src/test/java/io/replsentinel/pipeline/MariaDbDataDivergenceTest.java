package io.replsentinel.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.replsentinel.kafka.KafkaBrokerResource;
import io.replsentinel.lab.Topology;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@link DataDivergenceScenarios} on the MariaDB 10.11 topology, and the mixed-version cluster
 * (11.8 source, 10.11 replica) checking clean when its data is equal: the checksum's form is the
 * same on both versions.
 */
@QuarkusTest
@WithTestResource(value = KafkaBrokerResource.class, scope = TestResourceScope.GLOBAL)
@WithTestResource(value = LabResource.class, scope = TestResourceScope.GLOBAL)
class MariaDbDataDivergenceTest extends DataDivergenceScenarios {

    @Override
    Topology topology() {
        return Lab.mariadb();
    }

    @Override
    String cluster() {
        return Lab.MARIADB_CLUSTER;
    }

    @Test
    void mariaDb118SourceWith1011Replica_equalData_checksClean() {
        Topology skew = Lab.skew();
        String table = createItems(skew, "skew", 2000);
        try {
            // a table with every kind of column whose text form could differ between versions
            String typed = SCHEMA + ".typed";
            skew.source().exec("CREATE TABLE " + typed + " (id BIGINT UNSIGNED PRIMARY KEY, f FLOAT, d DOUBLE,"
                    + " dec2 DECIMAL(30,10), ts TIMESTAMP(6) NULL, dt DATE, tm TIME(3), y YEAR, b VARBINARY(16),"
                    + " bits BIT(12), e ENUM('a','b'), st SET('x','y'), j LONGTEXT, u VARCHAR(20))",
                    "INSERT INTO " + typed + " VALUES (1, 1.5, 0.1, 12345.6789012345, '2026-03-04 05:06:07.123456',"
                            + " '2026-03-04', '12:34:56.789', 2026, x'00ff10', b'101010101010', 'b', 'x,y', '{\"k\": [1, 2]}', 'D\u00fcsseldorf'),"
                            + " (2, -3.25e10, 1e-300, -0.0000000001, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),"
                            + " (18446744073709551615, 0, 0, 0, '1970-01-01 00:00:01', '1000-01-01', '-838:59:59', 1901, '', b'0', 'a', '', '', '')");
            skew.awaitReplicasCaughtUp(Duration.ofSeconds(60));
            double matchedBefore = skewChunks("match");
            // two full passes after both tables exist, every chunk equal, nothing else
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                    assertThat(skewChunks("match") - matchedBefore).isGreaterThanOrEqualTo(6));
            assertThat(skewChunks("differ")).isZero();
            assertThat(firingOf(Lab.SKEW_CLUSTER, skew.replicas().get(0).id())).isEmpty();
            JsonNode report = json(given().get("/api/divergence/" + Lab.SKEW_CLUSTER).then().statusCode(200)
                    .extract().asString());
            assertThat(report.path("diverged")).isEmpty();
            assertThat(report.path("tables").toString()).contains(table).contains(typed);
        } finally {
            skew.source().exec("DROP DATABASE IF EXISTS " + SCHEMA);
            skew.awaitReplicasCaughtUp(Duration.ofSeconds(60));
        }
    }

    private static double skewChunks(String outcome) {
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("^sentinel_divergence_chunks_total\\{cluster=\""
                + Lab.SKEW_CLUSTER + "\",outcome=\"" + outcome + "\",?} (\\S+)$", java.util.regex.Pattern.MULTILINE)
                .matcher(metrics);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }
}
