package io.replsentinel;

import io.quarkus.runtime.ApplicationLifecycleManager;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;
import io.replsentinel.kafka.EmbeddedKafkaBroker;
import org.jboss.logging.Logger;

import java.nio.file.Path;

/**
 * Starts the service. When no Kafka is configured it first starts the embedded single-node broker, so
 * that one command runs the whole pipeline; the broker stops after the service has.
 * <p>
 * Only environment variables and system properties are read here, because the service's configuration
 * is not loaded yet.
 */
@QuarkusMain
public class Main {

    private static final Logger LOG = Logger.getLogger(Main.class);
    private static final long BROKER_STOP_WAIT_MILLIS = 15_000;

    public static void main(String... args) {
        if (setting("kafka.bootstrap.servers", "KAFKA_BOOTSTRAP_SERVERS", null) != null) {
            Quarkus.run(null, (exitCode, failure) -> exit(exitCode, failure), args);
            return;
        }
        if (!Boolean.parseBoolean(setting("sentinel.embedded-kafka.enabled", "SENTINEL_EMBEDDED_KAFKA_ENABLED", "true"))) {
            System.err.println("No Kafka configured: set KAFKA_BOOTSTRAP_SERVERS (or -Dkafka.bootstrap.servers) "
                    + "to your Kafka cluster, or enable the embedded broker (SENTINEL_EMBEDDED_KAFKA_ENABLED=true).");
            System.exit(2);
        }
        Path dataDir = Path.of(setting("sentinel.embedded-kafka.data-dir", "SENTINEL_EMBEDDED_KAFKA_DATA_DIR", "data/kafka"));
        int port = Integer.parseInt(setting("sentinel.embedded-kafka.port", "SENTINEL_EMBEDDED_KAFKA_PORT", "0").trim());

        EmbeddedKafkaBroker broker;
        try {
            broker = EmbeddedKafkaBroker.start(dataDir, port);
        } catch (RuntimeException e) {
            System.err.println("Cannot start the embedded Kafka broker in " + dataDir.toAbsolutePath() + ": " + rootMessage(e)
                    + "\nIf another repl-sentinel uses that directory or port, set SENTINEL_EMBEDDED_KAFKA_DATA_DIR or "
                    + "SENTINEL_EMBEDDED_KAFKA_PORT to other ones, or KAFKA_BOOTSTRAP_SERVERS to a Kafka cluster.");
            System.exit(1);
            return;
        }
        System.setProperty("kafka.bootstrap.servers", broker.bootstrapServers());
        LOG.infof("No Kafka configured (KAFKA_BOOTSTRAP_SERVERS): started the embedded Kafka broker at %s, data in %s",
                broker.bootstrapServers(), broker.dataDir());

        // On SIGTERM Quarkus stops itself in its own shutdown hook; let its Kafka clients close first.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            awaitQuarkusStopped();
            broker.close();
        }, "embedded-kafka-shutdown"));
        Quarkus.run(null, (exitCode, failure) -> {
            if (!ApplicationLifecycleManager.isVmShuttingDown()) {
                broker.close(); // else the hook above closes it once Quarkus is down
            }
            exit(exitCode, failure);
        }, args);
    }

    /**
     * A start-up failure (a malformed inventory, say) can happen before logging is set up, when its
     * message would be lost: say it on stderr, with the configuration key it names, then exit.
     */
    private static void exit(int exitCode, Throwable failure) {
        if (failure != null) {
            StringBuilder why = new StringBuilder("repl-sentinel could not start:");
            java.util.Set<String> said = new java.util.LinkedHashSet<>();
            for (Throwable t = failure; t != null && t.getCause() != t; t = t.getCause()) {
                if (t.getMessage() != null && said.add(t.getMessage())) {
                    why.append(System.lineSeparator()).append("  ").append(t.getMessage());
                }
            }
            System.err.println(why);
        }
        ApplicationLifecycleManager.getDefaultExitCodeHandler().accept(exitCode, failure);
    }

    /** A system property, else the environment variable, else the default. */
    private static String setting(String property, String envVariable, String defaultValue) {
        String value = System.getProperty(property);
        if (value == null || value.isBlank()) {
            value = System.getenv(envVariable);
        }
        return value == null || value.isBlank() ? defaultValue : value;
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root == e ? String.valueOf(e.getMessage()) : e.getMessage() + " (" + root.getMessage() + ")";
    }

    private static void awaitQuarkusStopped() {
        long deadline = System.currentTimeMillis() + BROKER_STOP_WAIT_MILLIS;
        while (ApplicationLifecycleManager.getCurrentApplication() != null && System.currentTimeMillis() < deadline) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
