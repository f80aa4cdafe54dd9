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
 * Whether Kafka is configured is decided before Quarkus starts, from the same configuration sources
 * the service itself reads ({@link EarlyConfig}): system properties, environment variables, the files
 * named by {@code QUARKUS_CONFIG_LOCATIONS} and {@code application.properties}. A Kafka set in any of
 * them is used, and the embedded broker never overrides it.
 */
@QuarkusMain
public class Main {

    private static final Logger LOG = Logger.getLogger(Main.class);
    private static final long BROKER_STOP_WAIT_MILLIS = 15_000;

    public static void main(String... args) {
        EarlyConfig config;
        try {
            config = EarlyConfig.load();
        } catch (RuntimeException e) {
            System.err.println("repl-sentinel could not read its configuration: " + rootMessage(e));
            System.exit(1);
            return;
        }
        if (config.kafkaConfigured()) {
            Quarkus.run(null, (exitCode, failure) -> exit(exitCode, failure), args);
            return;
        }
        if (!config.embeddedKafkaEnabled()) {
            System.err.println("No Kafka configured: set kafka.bootstrap.servers (KAFKA_BOOTSTRAP_SERVERS, or in your "
                    + "configuration file) to your Kafka cluster, or enable the embedded broker "
                    + "(sentinel.embedded-kafka.enabled=true).");
            System.exit(2);
        }
        Path dataDir = config.embeddedKafkaDataDir();
        int port = config.embeddedKafkaPort();

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
        LOG.infof("No Kafka configured (kafka.bootstrap.servers): started the embedded Kafka broker at %s, data in %s",
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
            for (Throwable t : Causes.chain(failure)) {
                if (t.getMessage() != null && said.add(t.getMessage())) {
                    why.append(System.lineSeparator()).append("  ").append(t.getMessage());
                }
            }
            System.err.println(why);
        }
        ApplicationLifecycleManager.getDefaultExitCodeHandler().accept(exitCode, failure);
    }

    private static String rootMessage(Throwable e) {
        Throwable root = Causes.root(e);
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
