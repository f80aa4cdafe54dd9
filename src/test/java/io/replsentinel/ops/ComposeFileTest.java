package io.replsentinel.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.replsentinel.lab.LabInstall;
import io.replsentinel.lab.LabTools;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * docker-compose.yml as Debian's docker-compose reads it ({@code config}, offline: no engine and no
 * registry here): the whole stack is there, the topology mixes two versions of one flavor, and the
 * Prometheus, Alertmanager, rules, grants and inventory files it mounts are the ones the tests run
 * real servers on.
 */
class ComposeFileTest {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static Path root;
    private static JsonNode services;

    @BeforeAll
    static void config() throws Exception {
        root = LabInstall.get().projectRoot();
        Path out = Files.createTempFile("compose-config", ".yml");
        Process p = new ProcessBuilder(LabTools.dockerCompose().toString(), "-f", "docker-compose.yml", "config")
                .directory(root.toFile()).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String text = Files.readString(out);
        Files.delete(out);
        assertThat(p.exitValue()).as(text).isZero();
        services = YAML.readTree(text).path("services");
    }

    private static List<String> volumes(String service) {
        List<String> v = new ArrayList<>();
        services.path(service).path("volumes").forEach(n -> v.add(n.isTextual() ? n.asText()
                : n.path("source").asText() + ":" + n.path("target").asText()));
        return v;
    }

    private static String mount(String relative, String target) {
        return root.resolve(relative) + ":" + target;
    }

    @Test
    void theWholeStackIsThere() {
        Set<String> names = new TreeSet<>();
        services.fieldNames().forEachRemaining(names::add);
        assertThat(names).containsExactlyInAnyOrder("db-source", "db-replica-new", "db-replica-old", "kafka", "sentinel",
                "prometheus", "alertmanager", "grafana");
        assertThat(services.path("sentinel").path("build").path("context").asText()).isEqualTo(root.toString());
        assertThat(root.resolve("Dockerfile")).exists();
        assertThat(services.path("sentinel").path("environment").path("KAFKA_BOOTSTRAP_SERVERS").asText()).isEqualTo("kafka:9092");
    }

    @Test
    void topologyIsTwoVersionsOfOneFlavor() {
        Set<String> images = new TreeSet<>();
        for (String db : List.of("db-source", "db-replica-new", "db-replica-old")) {
            String image = services.path(db).path("image").asText();
            assertThat(image).startsWith("mariadb:");
            images.add(image);
        }
        assertThat(images).containsExactly("mariadb:10.11", "mariadb:11.8");
        // the newer server replicates from the older one, the direction upgrades take
        assertThat(services.path("db-source").path("image").asText()).isEqualTo("mariadb:10.11");
    }

    @Test
    void kafkaRunsInKraftMode() {
        JsonNode env = services.path("kafka").path("environment");
        assertThat(services.path("kafka").path("image").asText()).startsWith("apache/kafka:");
        assertThat(env.path("KAFKA_PROCESS_ROLES").asText()).isEqualTo("broker,controller");
        assertThat(env.has("KAFKA_ZOOKEEPER_CONNECT")).isFalse();
    }

    @Test
    void mountsTheFilesTheTestsRunRealServersOn() throws IOException {
        assertThat(volumes("prometheus")).contains(
                mount(DeployFiles.PROMETHEUS_CONFIG, "/etc/prometheus/prometheus.yml:ro"),
                mount(DeployFiles.ALERT_RULES, "/etc/prometheus/alerts:ro"),
                mount("deploy/compose/prometheus-targets", "/etc/prometheus/targets:ro"));
        assertThat(volumes("alertmanager")).contains(mount(DeployFiles.ALERTMANAGER_CONFIG, "/etc/alertmanager/alertmanager.yml:ro"));
        assertThat(volumes("db-source")).contains(mount(DeployFiles.MARIADB_GRANTS, "/lab/grants-mariadb.sql:ro"));
        assertThat(volumes("sentinel")).contains(mount(DeployFiles.COMPOSE_INVENTORY, "/config/inventory.yaml:ro"));
        assertThat(services.path("sentinel").path("environment").path("QUARKUS_CONFIG_LOCATIONS").asText())
                .isEqualTo("/config/inventory.yaml");
        // Prometheus finds the service and Alertmanager by their compose names
        assertThat(Files.readString(root.resolve("deploy/compose/prometheus-targets/repl-sentinel.json"))).contains("\"sentinel:8480\"");
        assertThat(Files.readString(root.resolve("deploy/compose/prometheus-targets/alertmanager.json"))).contains("\"alertmanager:9093\"");
    }

    @Test
    void inventoryNamesTheComposeDatabases() throws IOException {
        JsonNode cluster = YAML.readTree(root.resolve(DeployFiles.COMPOSE_INVENTORY).toFile())
                .path("sentinel").path("clusters").path("compose");
        Set<String> hosts = new TreeSet<>();
        for (JsonNode instance : cluster.path("instances")) {
            hosts.add(instance.path("host").asText());
            assertThat(instance.path("port").asInt()).isEqualTo(3306);
        }
        assertThat(hosts).containsExactlyInAnyOrder("db-source", "db-replica-new", "db-replica-old");
        assertThat(cluster.path("instances").get(0).path("role").asText()).isEqualTo("primary");
    }

    @Test
    void grafanaGetsTheDashboardsWhereItsProviderLooks() throws IOException {
        assertThat(volumes("grafana")).contains(mount("grafana/provisioning", "/etc/grafana/provisioning:ro"),
                mount("grafana/dashboards", "/var/lib/grafana/dashboards:ro"));
        JsonNode provider = YAML.readTree(root.resolve("grafana/provisioning/dashboards/repl-sentinel.yml").toFile());
        assertThat(provider.path("providers").get(0).path("options").path("path").asText()).isEqualTo("/var/lib/grafana/dashboards");
        JsonNode datasource = YAML.readTree(root.resolve("grafana/provisioning/datasources/prometheus.yml").toFile());
        assertThat(datasource.path("datasources").get(0).path("url").asText()).isEqualTo("http://prometheus:9090");
        String uid = datasource.path("datasources").get(0).path("uid").asText();
        try (var files = Files.list(root.resolve("grafana/dashboards"))) {
            for (Path f : files.toList()) {
                // every panel names the provisioned datasource
                JsonNode d = YAML.readTree(f.toFile());
                d.path("panels").forEach(p -> assertThat(p.path("datasource").path("uid").asText()).as(f + " " + p.path("title")).isEqualTo(uid));
            }
        }
    }
}
