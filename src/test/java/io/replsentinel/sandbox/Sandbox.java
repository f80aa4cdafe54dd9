package io.replsentinel.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.replsentinel.lab.DbServer;
import io.replsentinel.lab.Faults;
import io.replsentinel.lab.Flavor;
import io.replsentinel.lab.LabCommand;
import io.replsentinel.lab.Topology;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
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
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The sandbox's long-lived JVM ({@code scripts/sandbox up} starts it in the background): builds a
 * real source and two replicas with the test lab's {@link Topology}, runs the packaged service on
 * them with its embedded Kafka broker, writes a row on the source every two seconds, and takes
 * {@code break}, {@code repair}, {@code status} and {@code down} on a control port of 127.0.0.1.
 * Its servers and the service are lab processes: they die with this JVM, whatever kills it.
 */
public final class Sandbox {

    static final String CLUSTER = "sandbox";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;
    private final Flavor flavor;
    private final int port;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final AtomicInteger rowIds = new AtomicInteger(1000);
    private final CountDownLatch down = new CountDownLatch(1);
    private final ScheduledExecutorService writer = Executors.newSingleThreadScheduledExecutor();
    private Topology topology;
    private Faults faults;
    private Process service;
    private HttpServer control;
    private Map<String, SandboxFault> catalogue;
    private volatile SandboxFault current;
    private Runnable repair;

    private Sandbox(Path dir, Flavor flavor, int port) {
        this.dir = dir;
        this.flavor = flavor;
        this.port = port;
    }

    public static void main(String[] args) throws Exception {
        Flavor flavor = Flavor.MYSQL;
        int port = 8480;
        Path dir = Path.of("target/sandbox");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--flavor" -> flavor = Flavor.valueOf(args[++i].toUpperCase());
                case "--port" -> port = Integer.parseInt(args[++i]);
                case "--dir" -> dir = Path.of(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + " (--flavor mysql|mariadb, --port N, --dir DIR)");
            }
        }
        Sandbox s = new Sandbox(dir.toAbsolutePath(), flavor, port);
        try {
            s.up();
            s.down.await();
        } catch (RuntimeException e) {
            Files.writeString(s.dir.resolve("failed.txt"), String.valueOf(e));
            throw e;
        } finally {
            s.shutdown();
        }
        System.exit(0);
    }

    private void up() throws IOException, InterruptedException {
        Files.createDirectories(dir);
        System.out.println("[sandbox] starting a " + flavor.name().toLowerCase() + " source and two replicas");
        topology = Topology.builder(flavor).replicas(2).build();
        // the binlog listeners (on by default) read the lab schema's table definitions: the README's grants
        topology.source().exec(Topology.binlogGrantStatements(flavor, Topology.MONITOR_USER, "lab").toArray(String[]::new));
        faults = new Faults(topology);
        catalogue = SandboxFault.all(flavor);
        Path inventory = writeInventory();
        startService(inventory);
        startControl();
        writer.scheduleWithFixedDelay(this::write, 2, 2, TimeUnit.SECONDS);
        awaitWatched();
        Files.writeString(dir.resolve("ready.txt"), banner());
        System.out.println(banner());
    }

    private Path writeInventory() throws IOException {
        List<String> lines = new ArrayList<>(List.of(
                "# written by scripts/sandbox up: the sandbox's real servers",
                "sentinel:", "  clusters:", "    " + CLUSTER + ":",
                "      user: " + Topology.MONITOR_USER, "      password: " + Topology.MONITOR_PASSWORD, "      instances:"));
        List<DbServer> all = topology.all();
        for (int i = 0; i < all.size(); i++) {
            lines.add("        - host: " + all.get(i).host());
            lines.add("          port: " + all.get(i).port());
            lines.add("          role: " + (i == 0 ? "primary" : "replica"));
            lines.add("          labels: {name: " + (i == 0 ? "source" : "replica-" + i) + "}");
        }
        Path inventory = dir.resolve("inventory.yaml");
        Files.write(inventory, lines);
        return inventory;
    }

    private void startService(Path inventory) throws IOException {
        Path jar = Path.of("target/quarkus-app/quarkus-run.jar").toAbsolutePath();
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: ./mvnw -B package -DskipTests builds it");
        }
        Path kafka = dir.resolve("kafka");
        deleteTree(kafka);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-Xmx384m",
                // the data dir on the command line is the marker a stale pid file is checked against
                "-Dsentinel.embedded-kafka.data-dir=" + kafka, "-jar", jar.toString());
        Map<String, String> env = pb.environment();
        env.remove("KAFKA_BOOTSTRAP_SERVERS");
        env.put("QUARKUS_CONFIG_LOCATIONS", inventory.toString());
        env.put("QUARKUS_HTTP_PORT", Integer.toString(port));
        env.put("SENTINEL_API_EXTERNAL_URL", "http://localhost:" + port);
        // a demo wants to see a repair resolve and a connecting thread alert in seconds, not minutes
        env.putIfAbsent("SENTINEL_RULES_KEEP_FIRING_FOR", "3s");
        env.putIfAbsent("SENTINEL_RULES_IO_CONNECTING_THRESHOLD", "5s");
        pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("service.log").toFile()));
        service = LabCommand.start(pb, "sandbox-service", kafka.toString());
    }

    private void startControl() throws IOException {
        control = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        control.createContext("/", this::handle);
        control.setExecutor(Executors.newSingleThreadExecutor());
        control.start();
        Files.writeString(dir.resolve("control.port"), Integer.toString(control.getAddress().getPort()));
    }

    /** Waits until the service answers and its cluster view names the source as the primary. */
    private void awaitWatched() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        String last = "";
        while (System.nanoTime() < deadline) {
            if (!service.isAlive()) {
                throw new IllegalStateException("the service exited, see " + dir.resolve("service.log"));
            }
            try {
                JsonNode c = JSON.readTree(get("/api/clusters/" + CLUSTER));
                if (topology.source().id().equals(c.path("primary").asText())) {
                    return;
                }
                last = c.toString();
            } catch (IOException | RuntimeException e) {
                last = e.toString();
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException("the service does not see the sandbox's source: " + last);
    }

    String get(String path) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException(path + " -> " + r.statusCode());
        }
        return r.body();
    }

    private String banner() {
        StringBuilder b = new StringBuilder();
        String base = "http://localhost:" + port;
        b.append("repl-sentinel sandbox is up: cluster '").append(CLUSTER).append("', ")
                .append(flavor == Flavor.MYSQL ? "MySQL 9.7" : "MariaDB 10.11").append('\n');
        List<DbServer> all = topology.all();
        for (int i = 0; i < all.size(); i++) {
            b.append("  ").append(i == 0 ? "source   " : "replica " + i).append("  ").append(all.get(i).id())
                    .append("  server_id ").append(all.get(i).serverId()).append("  pid ").append(all.get(i).pid()).append('\n');
        }
        b.append("  service    pid ").append(service.pid()).append(", log ").append(dir.resolve("service.log")).append('\n')
                .append('\n')
                .append("  console    ").append(base).append("/\n")
                .append("  API        ").append(base).append("/api/clusters/").append(CLUSTER).append("  ")
                .append(base).append("/api/alerts\n")
                .append("  metrics    ").append(base).append("/q/metrics\n")
                .append("  runbooks   ").append(base).append("/runbooks\n")
                .append('\n')
                .append("Break it:   scripts/sandbox break <fault>, then scripts/sandbox repair; scripts/sandbox down stops it all.\n")
                .append(faultList());
        return b.toString();
    }

    private String faultList() {
        StringBuilder b = new StringBuilder();
        catalogue.values().forEach(f -> b.append(String.format("  %-20s %s -> %s%n", f.name(), f.description(), f.alert())));
        return b.toString();
    }

    // ---------------------------------------------------------------------------------- commands

    private void handle(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        int code = 200;
        String body;
        try {
            if (path.startsWith("/break/")) {
                body = breakIt(path.substring("/break/".length()));
            } else if (path.equals("/repair")) {
                body = repair();
            } else if (path.equals("/status")) {
                body = (current == null ? "healthy (no fault injected)" : "broken: " + current.name()) + "\n";
            } else if (path.equals("/faults")) {
                body = faultList();
            } else if (path.equals("/down")) {
                body = "stopping\n";
                down.countDown();
            } else {
                code = 404;
                body = "unknown command " + path + "\n";
            }
        } catch (RuntimeException e) {
            code = 409;
            body = e.getMessage() + "\n";
        }
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        ex.sendResponseHeaders(code, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    private synchronized String breakIt(String name) {
        SandboxFault fault = catalogue.get(name);
        if (fault == null) {
            throw new IllegalArgumentException("no fault named '" + name + "'; the faults are:\n" + faultList());
        }
        if (current != null) {
            throw new IllegalStateException("'" + current.name() + "' is still injected: scripts/sandbox repair first");
        }
        long t0 = System.nanoTime();
        current = fault;
        try {
            repair = fault.injector().inject(topology, faults, rowIds.incrementAndGet());
        } catch (RuntimeException e) {
            current = null;
            throw new IllegalStateException("injecting " + name + " failed: " + e.getMessage(), e);
        }
        DbServer target = topology.all().get(fault.instance());
        String alert = awaitAlert(fault.alert(), target.id());
        return String.format("broke it: %s (%.1f s)%n%s%n", fault.description(), (System.nanoTime() - t0) / 1e9, alert);
    }

    /** Waits until the service reports the alert firing on the instance; its labels and summary. */
    private String awaitAlert(String alertname, String instance) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            try {
                for (JsonNode a : JSON.readTree(get("/api/alerts?status=firing&cluster=" + CLUSTER))) {
                    if (alertname.equals(a.path("labels").path("alertname").asText())
                            && instance.equals(a.path("labels").path("instance").asText())) {
                        return "firing: " + alertname + " " + a.path("labels") + "\n  " + a.path("annotations").path("summary").asText()
                                + "\n  runbook: " + a.path("annotations").path("runbook_url").asText()
                                + "\n  see it in the console: http://localhost:" + port + "/";
                    }
                }
                Thread.sleep(250);
            } catch (IOException e) {
                // the service is busy or restarting: ask again
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return "the service has not reported " + alertname + " on " + instance + " yet: see the console";
    }

    private synchronized String repair() {
        if (current == null) {
            return "nothing to repair\n";
        }
        String name = current.name();
        long t0 = System.nanoTime();
        repair.run();
        current = null;
        repair = null;
        return String.format("repaired %s (%.1f s); its alerts resolve within seconds%n", name, (System.nanoTime() - t0) / 1e9);
    }

    /** A row on the source every two seconds, so GTIDs advance and lag is measured on live traffic. */
    private void write() {
        SandboxFault f = current;
        if (f != null && f.quiet()) {
            return;
        }
        try {
            topology.insert(rowIds.incrementAndGet() + 1_000_000);
        } catch (RuntimeException e) {
            // a fault being injected or repaired: the next tick writes again
        }
    }

    private void shutdown() {
        writer.shutdownNow();
        if (control != null) {
            control.stop(0);
        }
        if (service != null) {
            LabCommand.stop(service, "sandbox-service", 30);
        }
        if (topology != null) {
            topology.close();
        }
        for (String f : List.of("ready.txt", "control.port")) {
            try {
                Files.deleteIfExists(dir.resolve(f));
            } catch (IOException ignored) {
                // gone already
            }
        }
        System.out.println("[sandbox] stopped: servers and service are gone");
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (var paths = Files.walk(root)) {
            for (Path p : (Iterable<Path>) paths.sorted(java.util.Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }
}
