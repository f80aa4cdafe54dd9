package io.replsentinel.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.replsentinel.kafka.KafkaBrokerResource;
import io.replsentinel.pipeline.LabResource;
import io.replsentinel.rules.Detector;
import io.replsentinel.rules.DetectorCatalogue;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Every alert's {@code runbook_url} opens its own section of the runbooks the service serves,
 * rendered from {@code docs/runbooks.md}.
 */
@QuarkusTest
@WithTestResource(value = KafkaBrokerResource.class, scope = TestResourceScope.GLOBAL)
@WithTestResource(value = LabResource.class, scope = TestResourceScope.GLOBAL)
class RunbookLinksTest {

    /** Alertnames of the contract that detectors still to come will raise; their sections exist already. */
    private static final List<String> CONTRACT_ONLY = List.of("MissingTransactions", "DataDivergence", "BinlogListenerDown");
    private static final Pattern HEADING = Pattern.compile("<h2 id=\"([^\"]+)\">([^<]+)</h2>");

    @ConfigProperty(name = "sentinel.rules.runbook-base-url")
    String runbookBase;

    @ConfigProperty(name = "sentinel.api.external-url")
    String externalUrl;

    @Test
    void runbookUrlDefaultsToTheServicesOwnRunbooks() {
        assertThat(runbookBase).isEqualTo(externalUrl + "/runbooks");
    }

    @Test
    void everyAlertnameHasItsSectionAtItsAnchor() {
        String page = given().get("/runbooks").then().statusCode(200).contentType("text/html").extract().asString();
        List<String> anchors = new ArrayList<>();
        Matcher m = HEADING.matcher(page);
        while (m.find()) {
            assertThat(m.group(1)).as("anchor of %s", m.group(2)).isEqualTo(m.group(2).toLowerCase());
            anchors.add(m.group(1));
        }
        List<String> alertnames = new ArrayList<>(DetectorCatalogue.all().stream().map(Detector::alertname).distinct().toList());
        alertnames.addAll(CONTRACT_ONLY);
        for (String alertname : alertnames) {
            // the anchor AlertTracker appends to runbook_url
            assertThat(anchors).as("section of %s", alertname).contains(alertname.toLowerCase());
        }
    }

    @Test
    void aFiringAlertsRunbookUrl_opensItsSection() throws Exception {
        // the lab's blackhole instance never answers: InstanceUnreachable fires from the first polls
        JsonNode alert = await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() -> {
            JsonNode all = new ObjectMapper().readTree(given().queryParam("status", "firing").get("/api/alerts").asString());
            for (JsonNode a : all) {
                if (a.path("labels").path("alertname").asText().equals(DetectorCatalogue.INSTANCE_UNREACHABLE)) {
                    return a;
                }
            }
            return null;
        }, a -> a != null);
        URI url = URI.create(alert.path("annotations").path("runbook_url").asText());
        assertThat(url.getScheme() + "://" + url.getAuthority()).isEqualTo(externalUrl);
        assertThat(url.getFragment()).isEqualTo("instanceunreachable");
        // external-url names the deployed address; the test service listens on its own port
        String page = given().get(url.getPath()).then().statusCode(200).extract().asString();
        assertThat(page).contains("<h2 id=\"instanceunreachable\">InstanceUnreachable</h2>");
    }
}
