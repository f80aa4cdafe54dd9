package io.replsentinel.kafka;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;

/**
 * A real single-node Apache Kafka broker (KRaft, combined broker and controller) running inside this
 * JVM, listening on loopback only. It is what the service starts when no Kafka is configured, and what
 * the tests run against when there is no Docker.
 * <p>
 * The data directory is formatted once; its {@code meta.properties} keeps the cluster id, so starting
 * again on the same directory brings back every topic, record and committed offset.
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(EmbeddedKafkaBroker.class);

    private static final String HOST = "127.0.0.1";
    private static final int NODE_ID = 1;
    private static final String CONTROLLER_LISTENER = "CONTROLLER";
    private static final String META_PROPERTIES = "meta.properties";
    private static final String DIR_LOCK = ".sentinel.lock";
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);

    /** JUL keeps loggers weakly: hold the ones we quieten, or their level is lost. */
    private static final List<java.util.logging.Logger> QUIETENED = List.of(
            java.util.logging.Logger.getLogger("kafka"),
            java.util.logging.Logger.getLogger("org.apache.kafka"),
            java.util.logging.Logger.getLogger("state.change.logger"));

    private final KafkaRaftServer server;
    private final FileLock dirLock;
    private final Path dataDir;
    private final String bootstrapServers;
    private final String clusterId;
    private boolean closed;

    private EmbeddedKafkaBroker(KafkaRaftServer server, FileLock dirLock, Path dataDir, String bootstrapServers,
            String clusterId) {
        this.server = server;
        this.dirLock = dirLock;
        this.dataDir = dataDir;
        this.bootstrapServers = bootstrapServers;
        this.clusterId = clusterId;
    }

    /**
     * Starts a broker on {@code dataDir} (created and formatted when needed) and returns once it
     * answers clients.
     *
     * @param dataDir log directory; reused as is when it was formatted before
     * @param port    client port on 127.0.0.1; 0 picks a free one
     */
    public static EmbeddedKafkaBroker start(Path dataDir, int port) {
        for (int attempt = 1; ; attempt++) {
            try {
                return startOnce(dataDir, port);
            } catch (RuntimeException e) {
                // a port found free was taken before the broker bound it (any other socket's bind(0),
                // or a connection's local port): pick again, a few times
                if (attempt == BIND_ATTEMPTS || !io.replsentinel.Causes.any(e, java.net.BindException.class)) {
                    throw e;
                }
                LOG.debugf("Embedded Kafka broker could not bind a port it picked (%s): picking again", e.getMessage());
            }
        }
    }

    /** How many times a start picks its ports anew when one of them was taken before the broker bound it. */
    private static final int BIND_ATTEMPTS = 3;

    private static EmbeddedKafkaBroker startOnce(Path dataDir, int port) {
        quietKafkaLogging();
        long started = System.nanoTime();
        Path dir = dataDir.toAbsolutePath().normalize();
        int[] ports = freePorts(port);
        String bootstrap = HOST + ":" + ports[0];
        FileLock dirLock = lockDataDir(dir);
        KafkaRaftServer server;
        String clusterId;
        try {
            KafkaConfig config = KafkaConfig.fromProps(brokerProperties(dir, ports[0], ports[1]), false);
            clusterId = formatIfNeeded(dir);
            server = new KafkaRaftServer(config, Time.SYSTEM);
        } catch (IOException | RuntimeException e) {
            release(dirLock);
            if (e instanceof IOException io) {
                throw new UncheckedIOException("Cannot prepare the Kafka data directory " + dir, io);
            }
            throw (RuntimeException) e;
        }
        EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(server, dirLock, dir, bootstrap, clusterId);
        try {
            server.startup();
            awaitReady(bootstrap);
        } catch (RuntimeException | Error e) {
            broker.close();
            throw e;
        }
        LOG.debugf("Embedded Kafka broker ready at %s (data %s) in %d ms", bootstrap, dir,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
        return broker;
    }

    /** {@code host:port} for {@code bootstrap.servers}. */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** The cluster id kept in the data directory; the same across restarts on that directory. */
    public String clusterId() {
        return clusterId;
    }

    public Path dataDir() {
        return dataDir;
    }

    /**
     * Stops the broker and releases the data directory. Safe to call more than once, from any thread.
     * Gives up waiting after 10 s, so a wedged broker cannot keep the JVM from exiting.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        long started = System.nanoTime();
        Thread stopper = new Thread(() -> {
            try {
                server.shutdown();
                server.awaitShutdown();
            } catch (RuntimeException e) {
                LOG.warnf(e, "Embedded Kafka broker at %s did not stop cleanly", bootstrapServers);
            }
        }, "embedded-kafka-stop");
        stopper.setDaemon(true);
        stopper.start();
        try {
            stopper.join(STOP_TIMEOUT.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (stopper.isAlive()) {
            LOG.warnf("Embedded Kafka broker at %s did not stop within %d s; leaving it", bootstrapServers,
                    STOP_TIMEOUT.toSeconds());
            return; // keep the directory lock: the broker may still be writing
        }
        release(dirLock);
        LOG.debugf("Embedded Kafka broker at %s stopped in %d ms", bootstrapServers,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
    }

    static Properties brokerProperties(Path dir, int clientPort, int controllerPort) {
        Map<String, String> settings = Map.ofEntries(
                // one node that is both the KRaft controller and the broker
                Map.entry("process.roles", "broker,controller"),
                Map.entry("node.id", String.valueOf(NODE_ID)),
                Map.entry("controller.quorum.voters", NODE_ID + "@" + HOST + ":" + controllerPort),
                Map.entry("controller.listener.names", CONTROLLER_LISTENER),
                // loopback only, no TLS: nothing outside this machine talks to it
                Map.entry("listeners", "PLAINTEXT://" + HOST + ":" + clientPort + ","
                        + CONTROLLER_LISTENER + "://" + HOST + ":" + controllerPort),
                Map.entry("advertised.listeners", "PLAINTEXT://" + HOST + ":" + clientPort),
                Map.entry("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT"),
                Map.entry("inter.broker.listener.name", "PLAINTEXT"),
                Map.entry("log.dirs", dir.toString()),
                // a single node cannot replicate internal topics
                Map.entry("offsets.topic.replication.factor", "1"),
                Map.entry("offsets.topic.num.partitions", "5"),
                Map.entry("transaction.state.log.replication.factor", "1"),
                Map.entry("transaction.state.log.min.isr", "1"),
                Map.entry("transaction.state.log.num.partitions", "5"),
                Map.entry("share.coordinator.state.topic.replication.factor", "1"),
                Map.entry("share.coordinator.state.topic.min.isr", "1"),
                Map.entry("default.replication.factor", "1"),
                Map.entry("min.insync.replicas", "1"),
                Map.entry("num.partitions", "1"),
                // consumers join at once instead of waiting for more members
                Map.entry("group.initial.rebalance.delay.ms", "0"),
                // a monitor's events are small and short-lived: small segments, a day or 256 MiB per partition
                Map.entry("log.segment.bytes", String.valueOf(16 * 1024 * 1024)),
                Map.entry("log.index.size.max.bytes", String.valueOf(1024 * 1024)),
                Map.entry("log.retention.ms", String.valueOf(Duration.ofDays(1).toMillis())),
                Map.entry("log.retention.bytes", String.valueOf(256L * 1024 * 1024)),
                Map.entry("log.retention.check.interval.ms", String.valueOf(Duration.ofMinutes(1).toMillis())),
                // modest threads and buffers: it shares the JVM with the service on a small machine
                Map.entry("num.network.threads", "2"),
                Map.entry("num.io.threads", "2"),
                Map.entry("background.threads", "2"),
                Map.entry("num.recovery.threads.per.data.dir", "1"),
                Map.entry("log.cleaner.threads", "1"),
                Map.entry("log.cleaner.dedupe.buffer.size", String.valueOf(4 * 1024 * 1024)),
                // a controlled shutdown fences this broker at the controller, so a restart on the same
                // directory registers at once instead of waiting out the old session
                Map.entry("controlled.shutdown.enable", "true"));
        Properties props = new Properties();
        props.putAll(settings);
        return props;
    }

    /**
     * Claims {@code dir} for this broker. Kafka locks its log directory only when the broker part starts,
     * after the controller has already opened the metadata log: a second broker on the same directory
     * would damage the first one's metadata before failing. This lock is taken before anything else.
     */
    private static FileLock lockDataDir(Path dir) {
        FileChannel channel = null;
        try {
            Files.createDirectories(dir);
            channel = FileChannel.open(dir.resolve(DIR_LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock = channel.tryLock();
            if (lock != null) {
                return lock;
            }
        } catch (OverlappingFileLockException e) {
            // held by another broker in this JVM
        } catch (IOException e) {
            closeQuietly(channel);
            throw new UncheckedIOException("Cannot lock the Kafka data directory " + dir, e);
        }
        closeQuietly(channel);
        throw new IllegalStateException("The Kafka data directory " + dir + " is in use by another broker");
    }

    private static void release(FileLock lock) {
        try {
            lock.release();
        } catch (IOException e) {
            LOG.debugf("Could not release %s: %s", DIR_LOCK, e.getMessage());
        }
        closeQuietly(lock.channel());
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                LOG.debugf("Could not close %s: %s", DIR_LOCK, e.getMessage());
            }
        }
    }

    /** Formats {@code dir} unless it already holds a formatted log; returns the cluster id it carries. */
    private static String formatIfNeeded(Path dir) throws IOException {
        Path meta = dir.resolve(META_PROPERTIES);
        if (!Files.exists(meta)) {
            String newClusterId = Uuid.randomUuid().toString();
            try {
                new Formatter()
                        .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                        .setClusterId(newClusterId)
                        .setNodeId(NODE_ID)
                        .setControllerListenerName(CONTROLLER_LISTENER)
                        .setMetadataLogDirectory(dir.toString())
                        .addDirectory(dir.toString())
                        .run();
            } catch (Exception e) {
                throw new IllegalStateException("Cannot format the Kafka data directory " + dir, e);
            }
            LOG.debugf("Formatted Kafka data directory %s with cluster id %s", dir, newClusterId);
        }
        Properties props = new Properties();
        try (InputStream in = Files.newInputStream(meta)) {
            props.load(in);
        }
        return props.getProperty("cluster.id");
    }

    private static void awaitReady(String bootstrap) {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        Map<String, Object> config = Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2_000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5_000);
        try (Admin admin = Admin.create(config)) {
            while (true) {
                try {
                    admin.describeCluster().nodes().get(5, TimeUnit.SECONDS);
                    return;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("Interrupted while waiting for the embedded Kafka broker", e);
                } catch (Exception e) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("Embedded Kafka broker at " + bootstrap
                                + " did not answer within " + READY_TIMEOUT.toSeconds() + " s", e);
                    }
                }
            }
        }
    }

    /**
     * The client port (the requested one, or a free one for 0) and a free controller port. Both
     * probe sockets are open together so the two ports differ.
     */
    private static int[] freePorts(int clientPort) {
        try {
            InetAddress loopback = InetAddress.getByName(HOST);
            try (ServerSocket a = new ServerSocket(0, 1, loopback); ServerSocket b = new ServerSocket(0, 1, loopback)) {
                int controller = b.getLocalPort() == clientPort ? a.getLocalPort() : b.getLocalPort();
                return new int[] {clientPort == 0 ? a.getLocalPort() : clientPort, controller};
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot find a free port on " + HOST, e);
        }
    }

    /** Kafka's own INFO chatter drowns the service's log; keep its warnings and errors only. */
    private static void quietKafkaLogging() {
        for (java.util.logging.Logger logger : QUIETENED) {
            if (logger.getLevel() == null) {
                logger.setLevel(Level.WARNING);
            }
        }
    }
}
