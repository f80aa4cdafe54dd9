package io.replsentinel.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.replsentinel.lab.LabCommand;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The README's first command, for real: {@code scripts/sandbox up} on MariaDB (the lighter flavor)
 * builds a real topology with the lab's code and runs the packaged service on it; {@code break
 * duplicate-key} raises the real alert within seconds; {@code repair} resolves it; {@code down}
 * leaves none of the processes it started.
 */
class SandboxIT {

    private static final Path DIR = Path.of("target/sandbox-it").toAbsolutePath();
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();

    record Run(int exit, String output) {
    }

    private static Run sandbox(Duration timeout, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("bash", "scripts/sandbox"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("SANDBOX_DIR", DIR.toString());
        // this build made the jar and the test classes already
        pb.environment().put("SANDBOX_SKIP_BUILD", "1");
        Path out = Files.createTempFile(Path.of("target"), "sandbox-", ".out");
        Process p = pb.redirectOutput(out.toFile()).start();
        if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("scripts/sandbox " + String.join(" ", args) + " timed out:\n" + Files.readString(out));
        }
        String output = Files.readString(out);
        Files.delete(out);
        System.out.println("[sandbox] $ scripts/sandbox " + String.join(" ", args) + "\n" + output);
        return new Run(p.exitValue(), output);
    }

    private JsonNode get(int port, String path) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(path).isEqualTo(200);
        return path.startsWith("/api") ? JSON.readTree(r.body()) : JSON.getNodeFactory().textNode(r.body());
    }

    private static List<Long> pidsStarted() throws IOException {
        List<Long> pids = new ArrayList<>();
        pids.add(Long.parseLong(Files.readString(DIR.resolve("sandbox.pid")).trim()));
        try (Stream<Path> files = Files.list(DIR.resolve("lab/pids"))) {
            for (Path f : files.toList()) {
                pids.add(Long.parseLong(Files.readString(f).split("\n")[0].trim()));
            }
        }
        return pids;
    }

    @Test
    void upBreakRepairDown_showsARealAlertWithinSeconds_andLeavesNothingRunning() throws Exception {
        int port = LabCommand.freePort();
        List<Long> started = List.of();
        try {
            Run up = sandbox(Duration.ofMinutes(15), "up", "--flavor", "mariadb", "--port", Integer.toString(port));
            assertThat(up.exit()).as(up.output()).isZero();
            assertThat(up.output()).contains("console    http://localhost:" + port + "/")
                    .contains("/api/clusters/sandbox").contains("/q/metrics").contains("duplicate-key");
            started = pidsStarted();
            // the sandbox JVM, three servers and the service
            assertThat(started).hasSize(5);

            JsonNode cluster = get(port, "/api/clusters/sandbox");
            assertThat(cluster.path("instances")).hasSize(3);
            assertThat(cluster.path("edges")).hasSize(2);
            assertThat(get(port, "/").asText()).contains("<title>repl-sentinel</title>");

            Run broken = sandbox(Duration.ofMinutes(2), "break", "duplicate-key");
            assertThat(broken.exit()).as(broken.output()).isZero();
            assertThat(broken.output()).contains("firing: ReplicationSqlThreadStopped").contains("\"cause\":\"duplicate_key\"")
                    .contains("runbook: http://localhost:" + port + "/runbooks#replicationsqlthreadstopped");
            assertThat(sandbox(Duration.ofSeconds(30), "status").output()).contains("broken: duplicate-key");
            Run twice = sandbox(Duration.ofSeconds(30), "break", "errant-write");
            assertThat(twice.exit()).isNotZero();
            assertThat(twice.output()).contains("repair first");

            Run repaired = sandbox(Duration.ofMinutes(2), "repair");
            assertThat(repaired.exit()).as(repaired.output()).isZero();
            assertThat(repaired.output()).contains("repaired duplicate-key");
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                JsonNode alerts = get(port, "/api/alerts?cluster=sandbox");
                assertThat(alerts.toString()).doesNotContain("\"status\":\"firing\"").contains("ReplicationSqlThreadStopped");
            });
        } finally {
            Run down = sandbox(Duration.ofMinutes(3), "down");
            assertThat(down.exit()).as(down.output()).isZero();
        }
        for (long pid : started) {
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).as("pid %d after down", pid).isFalse();
        }
        assertThat(DIR.resolve("sandbox.pid")).doesNotExist();
        assertThat(sandbox(Duration.ofSeconds(30), "status").exit()).isNotZero();
    }
}
