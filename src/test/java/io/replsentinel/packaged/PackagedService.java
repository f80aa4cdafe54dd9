package io.replsentinel.packaged;

import io.replsentinel.lab.LabProcess;
import io.replsentinel.lab.LabCommand;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * One run of the packaged service, the way the README runs it: {@code java -jar
 * target/quarkus-app/quarkus-run.jar} (built by {@code package} before failsafe runs the *IT
 * classes) with a YAML inventory, an HTTP port and environment settings, its output in a log file.
 * It is started under the lab's process tracking (a pid file and a watchdog), so it is killed by PID
 * even when the test JVM dies; {@link #close()} kills it when a test ends however it ends.
 */
final class PackagedService implements AutoCloseable {

    static final Path JAR = Path.of("target/quarkus-app/quarkus-run.jar");
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final AtomicInteger RUNS = new AtomicInteger();

    private final Process process;
    private final String name;
    private final int port;
    private final Path log;

    private PackagedService(Process process, String name, int port, Path log) {
        this.process = process;
        this.name = name;
        this.port = port;
        this.log = log;
    }

    /** A service to be started on {@code config}, writing its output to {@code log}. */
    static Builder with(Path config, Path log) {
        return new Builder(config, log);
    }

    /** The HTTP port it listens on. */
    int port() {
        return port;
    }

    /** The file its standard output and error go to. */
    Path log() {
        return log;
    }

    /** What it has written so far. */
    String logText() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Process process() {
        return process;
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Waits until {@code /q/health/ready} says UP, failing at once if the process died. */
    PackagedService awaitReady(Duration timeout) {
        await().atMost(timeout).pollInterval(Duration.ofMillis(300)).ignoreExceptions().untilAsserted(() -> {
            assertThat(process.isAlive()).as("service process alive").isTrue();
            assertThat(get(port, "/q/health/ready")).contains("\"status\": \"UP\"");
        });
        return this;
    }

    /** GET on its HTTP port; the body whatever the status. */
    String get(String path) throws IOException, InterruptedException {
        return get(port, path);
    }

    /** SIGTERM, then waits up to {@code timeout}; whether it stopped in that time (SIGKILL if not). */
    boolean terminate(Duration timeout) throws InterruptedException {
        process.destroy();
        boolean stopped = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        LabProcess.kill(process, name); // a no-op on a stopped process; forgets its pid file and watchdog
        return stopped;
    }

    /** SIGKILL; waits until it is gone. */
    void kill() {
        LabProcess.kill(process, name);
    }

    /** Whether it exited by itself within {@code timeout}. */
    boolean awaitExit(Duration timeout) throws InterruptedException {
        return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    int exitValue() {
        return process.exitValue();
    }

    @Override
    public void close() {
        kill();
    }

    static String get(int port, String path) throws IOException, InterruptedException {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        return r.body();
    }

    static int freePort() {
        return LabCommand.freePort();
    }

    /** How one run is started; every setting is an environment variable, as an operator would give it. */
    static final class Builder {
        private final Path config;
        private final Path log;
        private final List<String> jvmOptions = new ArrayList<>(List.of("-Xmx512m"));
        private final Map<String, String> env = new LinkedHashMap<>();
        private Integer port;
        private Path embeddedKafkaDir;
        private String bootstrap;

        private Builder(Path config, Path log) {
            this.config = config;
            this.log = log;
        }

        /** The JVM options before {@code -jar}, replacing the default {@code -Xmx512m}. */
        Builder jvm(String... options) {
            jvmOptions.clear();
            jvmOptions.addAll(List.of(options));
            return this;
        }

        Builder port(int httpPort) {
            this.port = httpPort;
            return this;
        }

        /** No Kafka configured: the service starts its embedded broker on this data dir. */
        Builder embeddedKafka(Path dataDir) {
            this.embeddedKafkaDir = dataDir;
            return this;
        }

        /** A Kafka of the test's own. */
        Builder kafka(String bootstrapServers) {
            this.bootstrap = bootstrapServers;
            return this;
        }

        Builder env(String key, String value) {
            env.put(key, value);
            return this;
        }

        Builder env(Map<String, String> settings) {
            env.putAll(settings);
            return this;
        }

        PackagedService start() throws IOException {
            int httpPort = port != null ? port : freePort();
            int run = RUNS.incrementAndGet();
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(jvmOptions);
            // the marker the lab's reaper checks in /proc/PID/cmdline before it kills a stale PID
            String marker = "-Dlab.packaged=" + log.toAbsolutePath();
            command.add(marker);
            command.add("-jar");
            command.add(JAR.toString());
            ProcessBuilder pb = new ProcessBuilder(command);
            Map<String, String> e = pb.environment();
            e.remove("KAFKA_BOOTSTRAP_SERVERS");
            e.put("QUARKUS_CONFIG_LOCATIONS", config.toString());
            e.put("QUARKUS_HTTP_PORT", Integer.toString(httpPort));
            if (embeddedKafkaDir != null) {
                e.put("SENTINEL_EMBEDDED_KAFKA_DATA_DIR", embeddedKafkaDir.toString());
            }
            if (bootstrap != null) {
                e.put("KAFKA_BOOTSTRAP_SERVERS", bootstrap);
            }
            e.putAll(env);
            pb.redirectErrorStream(true).redirectOutput(log.toFile());
            String name = "packaged-" + ProcessHandle.current().pid() + "-" + run;
            return new PackagedService(LabProcess.start(pb, name, marker), name, httpPort, log);
        }
    }
}
