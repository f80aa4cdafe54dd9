package io.replsentinel.lab;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real Prometheus (Debian's 2.42 binary) on a free port, running a given configuration file as it
 * is: the file is linked into a directory of its own where the repository's {@code alerts/} and a
 * {@code targets/} directory of file-discovery lists (one JSON file per name, written here) sit
 * beside it, which is where the configuration's relative paths point.
 */
public final class PrometheusProcess implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final int port;
    private final Path dir;
    private final String name;
    private final Process process;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private PrometheusProcess(Path config, Map<String, List<String>> targets) {
        LabInstall install = LabInstall.get();
        Path binary = LabTools.prometheus();
        this.port = LabProcesses.freePort();
        this.name = "prometheus-" + port + "-" + ProcessHandle.current().pid();
        this.dir = install.labDir().resolve(name);
        try {
            Files.createDirectories(dir.resolve("targets"));
            Files.createDirectories(dir.resolve("data"));
            Files.createSymbolicLink(dir.resolve("prometheus.yml"), config.toAbsolutePath());
            Files.createSymbolicLink(dir.resolve("alerts"), install.projectRoot().resolve("alerts"));
            for (Map.Entry<String, List<String>> t : targets.entrySet()) {
                Files.writeString(dir.resolve("targets").resolve(t.getKey() + ".json"),
                        JSON.writeValueAsString(List.of(Map.of("targets", t.getValue()))));
            }
            ProcessBuilder pb = new ProcessBuilder(binary.toString(),
                    "--config.file=" + dir.resolve("prometheus.yml"),
                    "--storage.tsdb.path=" + dir.resolve("data"),
                    "--web.listen-address=127.0.0.1:" + port,
                    "--web.console.templates=" + dir, "--web.console.libraries=" + dir)
                    .directory(dir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("prometheus.log").toFile()));
            this.process = LabProcesses.start(pb, name, dir.toString());
        } catch (IOException e) {
            throw new IllegalStateException("cannot start prometheus", e);
        }
        awaitReady();
    }

    /** Starts Prometheus on {@code config}, with {@code targets/<name>.json} listing each name's {@code host:port}s. */
    public static PrometheusProcess start(Path config, Map<String, List<String>> targets) {
        return new PrometheusProcess(config, targets);
    }

    private void awaitReady() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                String log = DbServer.tail(dir.resolve("prometheus.log"));
                close();
                throw new IllegalStateException("prometheus exited" + log);
            }
            try {
                if (http.send(HttpRequest.newBuilder(URI.create(url() + "/-/ready")).GET().build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            DbServer.sleep(200);
        }
        String log = DbServer.tail(dir.resolve("prometheus.log"));
        close();
        throw new IllegalStateException("prometheus not ready" + log);
    }

    public String url() {
        return "http://127.0.0.1:" + port;
    }

    /** {@code GET /api/v1/<path>} with the given query parameters; the whole JSON answer, errors included. */
    public JsonNode api(String path, Map<String, String> params) {
        StringBuilder q = new StringBuilder();
        params.forEach((k, v) -> q.append(q.length() == 0 ? "?" : "&").append(k).append('=')
                .append(URLEncoder.encode(v, StandardCharsets.UTF_8)));
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url() + "/api/v1/" + path + q)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            return JSON.readTree(r.body());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** An instant query: Prometheus' answer ({@code status}, {@code error}, {@code data}). */
    public JsonNode query(String promql) {
        return api("query", Map.of("query", promql));
    }

    public Path dir() {
        return dir;
    }

    @Override
    public void close() {
        LabProcesses.stop(process, name, 20);
        if (!Boolean.getBoolean("lab.keep")) {
            try {
                DbServer.deleteTree(dir);
            } catch (IOException e) {
                System.err.println("[lab] cannot delete " + dir + ": " + e);
            }
        }
    }
}
