package io.replsentinel.lab;

import io.replsentinel.kafka.EmbeddedKafkaBroker;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A real Kafka broker (the service's embedded KRaft broker code) in a JVM of its own, so that
 * service processes can be killed and started around it while it stays up. Started by PID and
 * stopped by PID, like every lab process; its {@link #main} is what that JVM runs.
 */
public final class KafkaBrokerProcess implements AutoCloseable {

    private static final String READY = "KAFKA BROKER READY";

    private final Process process;
    private final String name;
    private final String bootstrap;

    private KafkaBrokerProcess(Process process, String name, String bootstrap) {
        this.process = process;
        this.name = name;
        this.bootstrap = bootstrap;
    }

    /** Starts a broker on a free port with its data under {@code dir}, and waits until it answers. */
    public static KafkaBrokerProcess start(Path dir) {
        int port = LabProcesses.freePort();
        String name = "kafka-" + port + "-" + ProcessHandle.current().pid();
        try {
            Files.createDirectories(dir);
            Path log = dir.resolve("broker.log");
            String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
            ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx384m", "-cp", classpath, KafkaBrokerProcess.class.getName(), dir.resolve("data").toString(),
                    Integer.toString(port));
            pb.redirectErrorStream(true).redirectOutput(log.toFile());
            Process p = LabProcesses.start(pb, name, dir.resolve("data").toString());
            KafkaBrokerProcess broker = new KafkaBrokerProcess(p, name, "127.0.0.1:" + port);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (!Files.readString(log).contains(READY)) {
                if (!p.isAlive() || System.nanoTime() > deadline) {
                    broker.close();
                    throw new IllegalStateException("the Kafka broker did not start" + DbServer.tail(log));
                }
                Thread.sleep(100);
            }
            return broker;
        } catch (IOException e) {
            throw new IllegalStateException("cannot start a Kafka broker", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public String bootstrapServers() {
        return bootstrap;
    }

    @Override
    public void close() {
        LabProcesses.stop(process, name, 20);
    }

    /** The broker JVM: {@code dataDir port}; runs until SIGTERM. */
    public static void main(String[] args) throws InterruptedException {
        EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(Path.of(args[0]), Integer.parseInt(args[1]));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            broker.close();
            stopped.countDown();
        }));
        System.out.println(READY + " " + broker.bootstrapServers());
        System.out.flush();
        stopped.await(Duration.ofDays(365).toDays(), TimeUnit.DAYS);
    }
}
