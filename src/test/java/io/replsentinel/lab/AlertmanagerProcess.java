package io.replsentinel.lab;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * A real Alertmanager (Debian's prometheus-alertmanager) on a free port, no clustering, a null
 * receiver. It logs at debug level so that tests can see every alert it received, resolved ones
 * included, which its API never lists; it can be stopped and started again on the same port and
 * storage, as an outage and a restart look to the service.
 */
public final class AlertmanagerProcess implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** The dispatcher's debug line for each alert it is handed, e.g. {@code alert=Name[cb61176][resolved]}. */
    private static final Pattern RECEIVED = Pattern.compile("msg=\"Received alert\" alert=(\\S+)");

    private final int port;
    private final Path dir;
    private final String name;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final Path config;
    private volatile Process process;
    /** Where this run's part of the log starts: earlier runs' lines are not its. */
    private volatile long logStart;

    private AlertmanagerProcess() {
        this(null);
    }

    /** @param configFile a configuration to run as it is, or null for the lab's own (a null receiver, no waiting) */
    private AlertmanagerProcess(Path configFile) {
        LabInstall install = LabInstall.get();
        this.port = LabProcesses.freePort();
        this.name = "alertmanager-" + port + "-" + ProcessHandle.current().pid();
        this.dir = install.labDir().resolve(name);
        this.config = configFile != null ? configFile.toAbsolutePath() : dir.resolve("alertmanager.yml");
        try {
            Files.createDirectories(dir.resolve("data"));
            if (configFile == null) {
                Files.writeString(config, String.join("\n",
                        "route:",
                        "  receiver: 'null'",
                        "  group_wait: 0s",
                        "  group_interval: 1s",
                        "  repeat_interval: 1h",
                        "receivers:",
                        "  - name: 'null'",
                        ""));
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot start alertmanager", e);
        }
        launch();
    }

    private void launch() {
        Path log = dir.resolve("alertmanager.log");
        try {
            logStart = Files.exists(log) ? Files.size(log) : 0;
            ProcessBuilder pb = new ProcessBuilder(LabInstall.get().alertmanager().toString(),
                    "--config.file=" + config,
                    "--storage.path=" + dir.resolve("data"),
                    "--web.listen-address=127.0.0.1:" + port,
                    "--cluster.listen-address=",
                    "--log.level=debug")
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            this.process = LabProcesses.start(pb, name, dir.toString());
        } catch (IOException e) {
            throw new IllegalStateException("cannot start alertmanager", e);
        }
        awaitReady();
    }

    public static AlertmanagerProcess start() {
        return new AlertmanagerProcess();
    }

    /** An Alertmanager running {@code configFile} as it is (e.g. the one docker-compose.yml mounts). */
    public static AlertmanagerProcess start(Path configFile) {
        return new AlertmanagerProcess(configFile);
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

    /** Stops it (SIGTERM), keeping port, configuration and storage for {@link #restart()}. */
    public void stop() {
        LabProcesses.stop(process, name, 10);
    }

    /** Starts it again on the same port and storage, stopping it first if it runs; it remembers no alerts. */
    public void restart() {
        if (process.isAlive()) {
            stop();
        }
        launch();
    }

    /**
     * Every alert this run of Alertmanager received, as its dispatcher logs them:
     * {@code alertname[first 7 digits of its fingerprint][active|resolved]}, oldest first.
     */
    public List<String> received() {
        try (RandomAccessFile log = new RandomAccessFile(dir.resolve("alertmanager.log").toFile(), "r")) {
            log.seek(logStart);
            byte[] rest = new byte[(int) (log.length() - logStart)];
            log.readFully(rest);
            return RECEIVED.matcher(new String(rest, StandardCharsets.UTF_8)).results()
                    .map(m -> m.group(1)).toList();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The fingerprint Alertmanager gives an alert with these labels (Prometheus' label-set hash:
     * FNV-1a over the sorted names and values; a label with an empty value does not exist).
     */
    public static String fingerprint(Map<String, String> labels) {
        long hash = 0xcbf29ce484222325L;
        for (Map.Entry<String, String> e : new TreeMap<>(labels).entrySet()) {
            if (e.getValue().isEmpty()) {
                continue;
            }
            for (String part : List.of(e.getKey(), e.getValue())) {
                for (byte b : part.getBytes(StandardCharsets.UTF_8)) {
                    hash = (hash ^ (b & 0xff)) * 0x100000001b3L;
                }
                hash = (hash ^ 0xff) * 0x100000001b3L;
            }
        }
        return String.format("%016x", hash);
    }

    @Override
    public void close() {
        stop();
        if (!Boolean.getBoolean("lab.keep")) {
            try {
                DbServer.deleteTree(dir);
            } catch (IOException e) {
                System.err.println("[lab] cannot delete " + dir + ": " + e);
            }
        }
    }
}
