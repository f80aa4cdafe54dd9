package io.replsentinel.packaged;

import io.replsentinel.lab.DbServer;
import io.replsentinel.lab.Topology;
import io.replsentinel.ops.Browser;
import org.openqa.selenium.By;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The packaged service with {@code sentinel.api.read-requires-token=true}, an admin token from
 * {@code SENTINEL_API_TOKEN} and a named read token: reads refuse an anonymous request (401), a read
 * token cannot write (403); a cluster the admin adds is polled, is still there and polled again after
 * a restart on the same Kafka data, where the console asks for a token and shows it once given one; and no token, password or key appears in the service's log or,
 * for the password, anywhere in Kafka's files.
 */
class RuntimeClustersIT {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String ADMIN_TOKEN = "it-admin-token-6f1e2a9b";
    private static final String VIEWER_TOKEN = "it-viewer-token-93c0d4e7";
    private static final String ENCRYPTION_KEY = "aXQtb25seS1rZXktMzItYnl0ZXMtbG9uZy1hYmNkZWY=";
    private static final String PASSWORD = "runtime-never-printed-pw";
    private static final String CLUSTER = "added-at-runtime";
    private final List<PackagedService> started = new ArrayList<>();

    @AfterEach
    void stopWhatWasStarted() {
        started.forEach(PackagedService::close);
    }

    private PackagedService launch(Path config, Path dataDir, int httpPort, Path log) throws IOException {
        PackagedService p = PackagedService.with(config, log).port(httpPort).embeddedKafka(dataDir)
                .env("SENTINEL_API_TOKEN", ADMIN_TOKEN)
                .env("VIEWER_TOKEN", VIEWER_TOKEN)
                .env("SENTINEL_RUNTIME_CLUSTERS_ENCRYPTION_KEY", ENCRYPTION_KEY)
                .env("SENTINEL_BINLOG_ENABLED", "false")
                .start();
        started.add(p);
        return p;
    }

    private static HttpResponse<String> send(int port, String method, String path, String token, String body)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(20))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json");
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void awaitPolled(int port, DbServer server) {
        String series = "mysql_instance_up{cluster=\"" + CLUSTER + "\",instance=\"" + server.host() + ":" + server.port()
                + "\"} 1.0";
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            assertThat(send(port, "GET", "/q/metrics", null, null).body()).contains(series);
            HttpResponse<String> detail = send(port, "GET", "/api/clusters/" + CLUSTER, VIEWER_TOKEN, null);
            assertThat(detail.statusCode()).isEqualTo(200);
            assertThat(detail.body()).contains("\"reachable\":true").contains("\"flavor\":\"mariadb\"")
                    .doesNotContain(PASSWORD);
        });
    }

    @Test
    void readsNeedATokenWhenSoConfigured_andARuntimeClusterSurvivesARestart_withNoSecretInLogsOrKafka() throws Exception {
        Path work = Files.createTempDirectory(Path.of("target"), "packaged-runtime-");
        Path dataDir = work.resolve("kafka");
        int port = PackagedService.freePort();
        try (Topology topology = Topology.mariadb(0)) {
            DbServer server = topology.source();
            server.exec("ALTER USER '" + Topology.MONITOR_USER + "'@'%' IDENTIFIED BY '" + PASSWORD + "'");
            Path config = work.resolve("inventory.yaml");
            Files.writeString(config, String.join("\n",
                    "sentinel:",
                    "  api:",
                    "    read-requires-token: true",
                    "    tokens:",
                    "      viewer:",
                    "        token: ${VIEWER_TOKEN}",
                    "        roles: read",
                    ""));
            String definition = """
                    {"name": "%s", "user": "%s", "password": "%s",
                     "instances": [{"host": "%s", "port": %d, "role": "primary"}]}
                    """.formatted(CLUSTER, Topology.MONITOR_USER, PASSWORD, server.host(), server.port());

            PackagedService first = launch(config, dataDir, port, work.resolve("first.log"));
            first.awaitReady(Duration.ofSeconds(90));
            assertThat(send(port, "GET", "/api/clusters", null, null).statusCode()).isEqualTo(401);
            assertThat(send(port, "GET", "/api/alerts", null, null).statusCode()).isEqualTo(401);
            assertThat(send(port, "GET", "/api/clusters", VIEWER_TOKEN, null).statusCode()).isEqualTo(200);
            assertThat(send(port, "POST", "/api/clusters", VIEWER_TOKEN, definition).statusCode()).isEqualTo(403);
            HttpResponse<String> added = send(port, "POST", "/api/clusters", ADMIN_TOKEN, definition);
            assertThat(added.statusCode()).as(added.body()).isEqualTo(201);
            awaitPolled(port, server);

            assertThat(first.terminate(Duration.ofSeconds(30))).as("stops on SIGTERM").isTrue();

            // the same Kafka data: the cluster comes back from the inventory topic and is polled by the new process
            PackagedService second = launch(config, dataDir, port, work.resolve("second.log"));
            second.awaitReady(Duration.ofSeconds(90));
            assertThat(send(port, "GET", "/api/clusters", VIEWER_TOKEN, null).body())
                    .contains("\"cluster\":\"" + CLUSTER + "\"").contains("\"source\":\"runtime\"");
            awaitPolled(port, server);
            assertThat(Files.readString(work.resolve("second.log"))).contains("1 runtime cluster(s)");
            consoleAsksForTheToken_andShowsTheClusterWithIt(port);
            HttpResponse<String> removed = send(port, "DELETE", "/api/clusters/" + CLUSTER, ADMIN_TOKEN, null);
            assertThat(removed.statusCode()).as(removed.body()).isEqualTo(204);
            assertThat(second.terminate(Duration.ofSeconds(30))).as("stops on SIGTERM").isTrue();
        }
        for (String log : List.of("first.log", "second.log")) {
            assertThat(Files.readString(work.resolve(log))).as(log)
                    .contains("Runtime cluster")
                    .doesNotContain(ADMIN_TOKEN).doesNotContain(VIEWER_TOKEN)
                    .doesNotContain(PASSWORD).doesNotContain(ENCRYPTION_KEY);
        }
        byte[] password = PASSWORD.getBytes(StandardCharsets.UTF_8);
        try (Stream<Path> files = Files.walk(dataDir)) {
            List<Path> holding = files.filter(Files::isRegularFile).filter(f -> contains(f, password)).toList();
            assertThat(holding).as("Kafka files holding the password in clear").isEmpty();
        }
    }

    /** The console reads only the API: with reads closed it offers a token field, and shows the fleet once given one. */
    private static void consoleAsksForTheToken_andShowsTheClusterWithIt(int port) {
        try (Browser browser = new Browser()) {
            ChromeDriver page = browser.driver();
            WebDriverWait wait = new WebDriverWait(page, Duration.ofSeconds(30), Duration.ofMillis(250));
            wait.ignoring(StaleElementReferenceException.class);
            page.get("http://127.0.0.1:" + port + "/");
            wait.until(d -> d.findElement(By.id("token-form")).isDisplayed());
            wait.until(d -> d.findElement(By.id("updated")).getText().contains("token"));
            page.findElement(By.id("token")).sendKeys(VIEWER_TOKEN);
            page.findElement(By.cssSelector("#token-form button")).click();
            wait.until(d -> !d.findElements(By.cssSelector("aside a[data-cluster='" + CLUSTER + "']")).isEmpty());
            wait.until(d -> "live".equals(d.findElement(By.tagName("body")).getDomAttribute("data-state")));
        }
    }

    private static boolean contains(Path file, byte[] needle) {
        try {
            byte[] hay = Files.readAllBytes(file);
            outer:
            for (int i = 0; i + needle.length <= hay.length; i++) {
                for (int j = 0; j < needle.length; j++) {
                    if (hay[i + j] != needle[j]) {
                        continue outer;
                    }
                }
                return true;
            }
            return false;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
