package io.replsentinel.lab;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** A real Alertmanager (Debian's prometheus-alertmanager) on a free port, no clustering, a null receiver. */
public final class AlertmanagerProcess implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final int port;
    private final Path dir;
    private final String name;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final Process process;

    private AlertmanagerProcess() {
        LabInstall install = LabInstall.get();
        this.port = LabProcesses.freePort();
        this.name = "alertmanager-" + port + "-" + ProcessHandle.current().pid();
        this.dir = install.labDir().resolve(name);
        try {
            Files.createDirectories(dir.resolve("data"));
            Path config = dir.resolve("alertmanager.yml");
            Files.writeString(config, String.join("\n",
                    "route:",
                    "  receiver: 'null'",
                    "  group_wait: 0s",
                    "  group_interval: 1s",
                    "  repeat_interval: 1h",
                    "receivers:",
                    "  - name: 'null'",
                    ""));
            ProcessBuilder pb = new ProcessBuilder(install.alertmanager().toString(),
                    "--config.file=" + config,
                    "--storage.path=" + dir.resolve("data"),
                    "--web.listen-address=127.0.0.1:" + port,
                    "--cluster.listen-address=")
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("alertmanager.log").toFile());
            this.process = LabProcesses.start(pb, name, dir.toString());
        } catch (IOException e) {
            throw new IllegalStateException("cannot start alertmanager", e);
        }
        awaitReady();
    }

    public static AlertmanagerProcess start() {
        return new AlertmanagerProcess();
    }

    private void awaitReady() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                close();
                throw new IllegalStateException("alertmanager exited" + DbServer.tail(dir.resolve("alertmanager.log")));
            }
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url() + "/-/ready")).GET().build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            DbServer.sleep(100);
        }
        close();
        throw new IllegalStateException("alertmanager not ready" + DbServer.tail(dir.resolve("alertmanager.log")));
    }

    public String url() {
        return "http://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    public long pid() {
        return process.pid();
    }

    public boolean running() {
        return process.isAlive();
    }

    /** {@code GET /api/v2/alerts}: the alerts Alertmanager currently holds. */
    public List<Map<String, Object>> alerts() {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url() + "/api/v2/alerts")).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IllegalStateException("GET /api/v2/alerts -> " + r.statusCode() + " " + r.body());
            }
            return JSON.readValue(r.body(), new TypeReference<List<Map<String, Object>>>() {
            });
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** {@code POST /api/v2/alerts} with the given alerts (each with {@code labels}, {@code annotations}, ...). */
    public void post(List<Map<String, Object>> alerts) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url() + "/api/v2/alerts"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(alerts))).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IllegalStateException("POST /api/v2/alerts -> " + r.statusCode() + " " + r.body());
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        LabProcesses.stop(process, name, 10);
        if (!Boolean.getBoolean("lab.keep")) {
            try {
                DbServer.deleteTree(dir);
            } catch (IOException e) {
                System.err.println("[lab] cannot delete " + dir + ": " + e);
            }
        }
    }
}
