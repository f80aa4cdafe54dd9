package io.replsentinel.kafka;

import com.github.dockerjava.api.DockerClient;
import io.replsentinel.lab.DockerEngine;
import io.replsentinel.lab.LabInstall;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.utils.AppInfoParser;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.utility.DockerImageName;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Testcontainers' {@link KafkaContainer} on the lab's own {@link DockerEngine}, from an image built
 * here ({@code scripts/lab/kafka-image.sh}: Debian, its OpenJDK 17, the Kafka jars of the very version
 * of {@code kafka-clients} on the class path) and declared a compatible substitute for
 * {@code apache/kafka}. The image's rootfs is cached in the lab cache; each engine imports it once.
 */
public final class LabKafkaContainer {

    /** {@code repl-sentinel/kafka:<kafka-clients version>}: broker and clients are one version, as in-process. */
    public static final String IMAGE = "repl-sentinel/kafka:" + AppInfoParser.getVersion();

    private static DockerEngine imported;
    private static Duration imageTime;
    private static boolean imageBuilt;

    private LabKafkaContainer() {
    }

    /** A container on a random host port (what {@code SENTINEL_TEST_KAFKA=testcontainers} uses). */
    public static KafkaContainer create() {
        ensureImage(DockerEngine.get());
        return new KafkaContainer(DockerImageName.parse(IMAGE).asCompatibleSubstituteFor("apache/kafka"));
    }

    /**
     * A container whose port 9092 is published on {@code hostPort} of the loopback: a stopped and
     * started container keeps its address, so the clients of a running service find it again.
     */
    public static KafkaContainer onFixedPort(int hostPort) {
        KafkaContainer container = create();
        container.setPortBindings(List.of("127.0.0.1:" + hostPort + ":9092"));
        return container;
    }

    /** Imports the image into {@code engine} once, building its rootfs first when the cache has none. */
    static synchronized void ensureImage(DockerEngine engine) {
        if (imported == engine) {
            return;
        }
        LabInstall lab = LabInstall.get();
        Path log = lab.labDir().resolve("kafka-image.log");
        long t0 = System.nanoTime();
        String out = engine.run(List.of("bash", lab.projectRoot().resolve("scripts/lab/kafka-image.sh").toString(),
                IMAGE, AppInfoParser.getVersion()), log, Duration.ofMinutes(20));
        imageTime = Duration.ofNanos(System.nanoTime() - t0);
        imageBuilt = out.contains("built ");
        System.out.printf("[lab-kafka] image %s %s in %d ms%n", IMAGE, imageBuilt ? "built and imported" : "imported from the cache",
                imageTime.toMillis());
        imported = engine;
    }

    /** How long the image took to be ready in this JVM, and whether that included building its rootfs. */
    public static synchronized Map<String, Object> imageFigures() {
        return Map.of("millis", imageTime == null ? -1 : imageTime.toMillis(), "built", imageBuilt);
    }

    /**
     * Stops the broker gracefully, keeping the container and its data: SIGTERM to the broker's JVM (the
     * container's PID 1 is Testcontainers' shell, which would pass no signal on, so {@code docker stop}
     * alone would SIGKILL it after its grace period), then waits for the container to exit; only a
     * broker still running after 30 s is killed with {@code docker stop}.
     */
    public static void stop(KafkaContainer container) {
        try {
            container.execInContainer("sh", "-c", "kill -TERM \"$(cat /run/kafka.pid)\"");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (Boolean.TRUE.equals(docker().inspectContainerCmd(container.getContainerId()).exec().getState().getRunning())) {
            if (System.nanoTime() > deadline) {
                docker().stopContainerCmd(container.getContainerId()).withTimeout(0).exec();
                break;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    /** {@code docker start} of a stopped container: same ports, listeners and data; returns once it answers. */
    public static Duration start(KafkaContainer container, String bootstrapServers, Duration timeout) {
        long t0 = System.nanoTime();
        docker().startContainerCmd(container.getContainerId()).exec();
        awaitAnswers(bootstrapServers, timeout);
        return Duration.ofNanos(System.nanoTime() - t0);
    }

    /** Waits until the broker answers {@code describeCluster} with a controller. */
    public static void awaitAnswers(String bootstrapServers, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        RuntimeException last = null;
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2_000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 2_000))) {
            while (System.nanoTime() < deadline) {
                try {
                    if (admin.describeCluster(new DescribeClusterOptions().timeoutMs(2_000)).controller()
                            .get(3, TimeUnit.SECONDS) != null) {
                        return;
                    }
                } catch (Exception e) {
                    last = new IllegalStateException(e);
                }
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }
        }
        throw new IllegalStateException("Kafka at " + bootstrapServers + " did not answer within " + timeout, last);
    }

    private static DockerClient docker() {
        return DockerClientFactory.instance().client();
    }
}
