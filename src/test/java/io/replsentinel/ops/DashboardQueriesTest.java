package io.replsentinel.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.replsentinel.kafka.KafkaBrokerResource;
import io.replsentinel.kafka.KafkaTestClient;
import io.replsentinel.lab.AlertmanagerProcess;
import io.replsentinel.lab.DbServer;
import io.replsentinel.lab.Faults;
import io.replsentinel.lab.LabInstall;
import io.replsentinel.lab.PrometheusProcess;
import io.replsentinel.lab.Topology;
import io.replsentinel.pipeline.Lab;
import io.replsentinel.pipeline.LabResource;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;

import java.io.IOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * grafana/'s dashboards against a real Prometheus (Debian's) that runs the very configuration
 * docker-compose.yml mounts ({@code deploy/prometheus/prometheus.yml} with the rules of
 * {@code alerts/}), scraping the service on the lab's real topologies and sending to a real
 * Alertmanager on {@code deploy/alertmanager/alertmanager.yml}: every panel's query runs without
 * error and names only metrics the service exports and Prometheus holds.
 */
@QuarkusTest
@WithTestResource(value = KafkaBrokerResource.class, scope = TestResourceScope.GLOBAL)
@WithTestResource(value = LabResource.class, scope = TestResourceScope.GLOBAL)
class DashboardQueriesTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Series Prometheus makes itself: from the scrape, and from the alerting rules of alerts/. */
    private static final Set<String> PROMETHEUS_OWN = Set.of("up", "ALERTS", "ALERTS_FOR_STATE");
    private static final Pattern LABEL_VALUES = Pattern.compile("label_values\\(\\s*([a-zA-Z_:][\\w:]*)\\s*,\\s*(\\w+)\\s*\\)");
    /** Prometheus scrapes every 5 s (the compose setting); several scrapes on a busy machine. */
    private static final Duration SCRAPED = Duration.ofSeconds(90);
    private static final int ROW_ID = 880_101;

    private static AlertmanagerProcess alertmanager;
    private static PrometheusProcess prometheus;
    private static Instant prometheusStarted;

    @TestHTTPResource("/")
    URL service;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @ConfigProperty(name = "sentinel.topics.status")
    String statusTopic;

    private synchronized PrometheusProcess prometheus() {
        if (prometheus == null) {
            alertmanager = AlertmanagerProcess.start(DeployFiles.path(DeployFiles.ALERTMANAGER_CONFIG));
            prometheus = PrometheusProcess.start(DeployFiles.path(DeployFiles.PROMETHEUS_CONFIG), Map.of(
                    "repl-sentinel", List.of("127.0.0.1:" + service.getPort()),
                    "alertmanager", List.of("127.0.0.1:" + alertmanager.port())));
            prometheusStarted = Instant.now();
        }
        return prometheus;
    }

    @AfterAll
    static void stop() {
        if (prometheus != null) {
            prometheus.close();
        }
        if (alertmanager != null) {
            alertmanager.close();
        }
        prometheus = null;
        alertmanager = null;
    }

    private static boolean hasResult(JsonNode answer) {
        return "success".equals(answer.path("status").asText()) && answer.path("data").path("result").size() > 0;
    }

    @Test
    void everyPanelQuery_runsOnRealPrometheus_andNamesOnlyExportedMetrics() throws Exception {
        PrometheusProcess prom = prometheus();
        // a dead letter, so that its counter exists, as it does once a service has met a bad record
        try (KafkaTestClient kafka = KafkaTestClient.fromEnd(bootstrapServers, statusTopic)) {
            kafka.send(statusTopic, Lab.MYSQL_CLUSTER, "not json, for the dead-letter panel");
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> given().get("/q/metrics").asString()
                .contains("sentinel_events_dead_lettered_total{"));
        await().atMost(SCRAPED).pollInterval(Duration.ofSeconds(1)).until(() ->
                hasResult(prom.query("count_over_time(up{job=\"repl-sentinel\"}[1m]) >= 3"))
                        && hasResult(prom.query("sentinel_events_dead_lettered_total")));
        assertThat(prom.query("up{job=\"repl-sentinel\"}").path("data").path("result").get(0).path("value").get(1).asText())
                .isEqualTo("1");

        // the rules of alerts/ load and evaluate; Prometheus found the Alertmanager of the compose file
        await().atMost(SCRAPED).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
            JsonNode groups = prom.api("rules", Map.of()).path("data").path("groups");
            assertThat(groups.size()).isGreaterThan(0);
            for (JsonNode g : groups) {
                for (JsonNode r : g.path("rules")) {
                    assertThat(r.path("health").asText()).as(r.path("name").asText() + " " + r.path("lastError")).isEqualTo("ok");
                }
            }
        });
        JsonNode alertmanagers = prom.api("alertmanagers", Map.of()).path("data").path("activeAlertmanagers");
        assertThat(alertmanagers.toString()).contains("127.0.0.1:" + alertmanager.port());

        Set<String> exported = exportedNames(given().get("/q/metrics").asString());
        List<String> problems = new ArrayList<>();
        int queries = 0;
        for (Path file : dashboards()) {
            JsonNode dashboard = JSON.readTree(file.toFile());
            for (JsonNode variable : dashboard.path("templating").path("list")) {
                String q = variable.path("query").path("query").asText(variable.path("definition").asText());
                Matcher m = LABEL_VALUES.matcher(q);
                if (!m.matches()) {
                    problems.add(file.getFileName() + " variable " + variable.path("name").asText() + ": not label_values(metric, label): " + q);
                    continue;
                }
                checkNames(prom, file + " variable " + variable.path("name").asText(), Set.of(m.group(1)), exported, problems);
                if (!hasResult(prom.query("count by (" + m.group(2) + ") (" + m.group(1) + ")"))) {
                    problems.add(file.getFileName() + " variable " + variable.path("name").asText() + ": no " + m.group(2) + " values");
                }
            }
            List<JsonNode> panels = new ArrayList<>();
            dashboard.path("panels").forEach(p -> {
                panels.add(p);
                p.path("panels").forEach(panels::add);
            });
            assertThat(panels).as(file.toString()).isNotEmpty();
            for (JsonNode panel : panels) {
                if ("row".equals(panel.path("type").asText())) {
                    continue;
                }
                String where = file.getFileName() + " panel '" + panel.path("title").asText() + "'";
                if (panel.path("targets").isEmpty()) {
                    problems.add(where + ": no query");
                }
                for (JsonNode target : panel.path("targets")) {
                    String expr = target.path("expr").asText();
                    String promql = expr.replace("$__rate_interval", "1m").replace("$__interval", "15s")
                            .replace("$cluster", Lab.MYSQL_CLUSTER);
                    assertThat(promql).as(where).doesNotContain("$");
                    JsonNode answer = prom.query(promql);
                    queries++;
                    if (!"success".equals(answer.path("status").asText())) {
                        problems.add(where + ": " + expr + " -> " + answer.path("errorType").asText() + ": " + answer.path("error").asText());
                    }
                    checkNames(prom, where, PromQl.metricNames(expr), exported, problems);
                }
            }
        }
        System.out.println("[dashboards] " + queries + " panel queries run against Prometheus");
        assertThat(queries).isGreaterThan(20);
        assertThat(problems).as("dashboard queries that fail or name metrics the service does not export").isEmpty();
    }

    private static void checkNames(PrometheusProcess prom, String where, Set<String> names, Set<String> exported,
                                   List<String> problems) {
        for (String name : names) {
            if (PROMETHEUS_OWN.contains(name)) {
                continue;
            }
            if (!exported.contains(name)) {
                problems.add(where + ": " + name + " is not exported by the service");
            } else if (!hasResult(prom.query("count(" + name + ")"))) {
                problems.add(where + ": " + name + " is exported but Prometheus holds no series of it");
            }
        }
    }

    @Test
    void prometheusOnTheComposeConfig_seesABrokenApplier_andItsGraphIsCaptured() throws Exception {
        PrometheusProcess prom = prometheus();
        Topology topology = Lab.mariadb();
        DbServer replica = topology.replicas().get(0);
        Faults faults = new Faults(topology);
        String one = "mysql_replication_sql_thread_running{cluster=\"" + Lab.MARIADB_CLUSTER + "\",instance=\"" + replica.id() + "\"}";
        await().atMost(SCRAPED).pollInterval(Duration.ofSeconds(1)).until(() -> hasResult(prom.query(one + " == 1")));
        faults.duplicateKeyOnReplica(replica, ROW_ID);
        try {
            await().atMost(SCRAPED).pollInterval(Duration.ofSeconds(1)).until(() -> hasResult(prom.query(one + " == 0")));
            JsonNode errno = prom.query("mysql_replication_last_sql_errno{instance=\"" + replica.id() + "\"}");
            assertThat(errno.path("data").path("result").get(0).path("value").get(1).asText()).isEqualTo("1062");
        } finally {
            faults.repairDuplicateKey(replica, ROW_ID);
        }
        await().atMost(SCRAPED).pollInterval(Duration.ofSeconds(1)).until(() -> hasResult(prom.query(one + " == 1")));

        // Grafana is not packaged for Debian (and Debian's Prometheus has no graph page): the cluster
        // dashboard's time-series panels, drawn from the same queries
        Path html = Browser.SCREENSHOTS.resolve("dashboard-cluster.html");
        Files.createDirectories(html.getParent());
        JsonNode cluster = JSON.readTree(LabInstall.get().projectRoot().resolve("grafana/dashboards/cluster.json").toFile());
        Files.writeString(html, DashboardSnapshot.html(cluster, prom, Map.of("cluster", Lab.MARIADB_CLUSTER),
                Math.max(10, Duration.between(prometheusStarted, Instant.now()).toSeconds())));
        try (Browser browser = new Browser()) {
            browser.driver().get(html.toAbsolutePath().toUri().toString());
            assertThat(browser.driver().findElements(By.cssSelector("polyline"))).isNotEmpty();
            Path shot = browser.screenshot("dashboard-cluster");
            System.out.println("[dashboards] screenshot " + shot.toAbsolutePath());
        }
    }

    private static List<Path> dashboards() throws IOException {
        try (Stream<Path> files = Files.list(LabInstall.get().projectRoot().resolve("grafana/dashboards"))) {
            List<Path> all = files.filter(p -> p.toString().endsWith(".json")).sorted().toList();
            assertThat(all).hasSizeGreaterThanOrEqualTo(3);
            return all;
        }
    }

    /** The sample names of a Prometheus text exposition ({@code name{labels} value} or {@code name value}). */
    static Set<String> exportedNames(String exposition) {
        Set<String> names = new TreeSet<>();
        for (String line : exposition.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int end = 0;
            while (end < line.length() && line.charAt(end) != '{' && line.charAt(end) != ' ') {
                end++;
            }
            names.add(line.substring(0, end));
        }
        return names;
    }
}
