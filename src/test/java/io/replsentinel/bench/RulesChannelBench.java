package io.replsentinel.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.replsentinel.event.PollError;
import io.replsentinel.event.ReplicationStatus;
import io.replsentinel.kafka.EmbeddedKafkaBroker;
import io.replsentinel.lab.LabProcess;
import io.replsentinel.lab.LabCommand;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * How fast the rules engine's Kafka consumer (channel {@code status-in}, group
 * {@code repl-sentinel-rules}) gets through a status topic, as the packaged service runs it: the
 * topic is filled first with {@code bench.channel.clusters} (1,000) clusters of three
 * ({@link Fleet}: statuses from {@code src/test/resources/captures}, 5% of replicas with a stopped
 * applier and 5% connecting, firing), {@code bench.channel.warmup-rounds} (5) and then
 * {@code bench.channel.rounds} (15) measured polls of every instance,
 * where one instance in {@value #CHANGING_PERIOD} is reachable on one poll and times out on the
 * next, so each of its statuses changes its cluster's alert state (fire, start clearing, stop
 * clearing) and waits for the alert-state write. Then {@code java -jar
 * target/quarkus-app/quarkus-run.jar} starts on a group of its own reading from the earliest offset,
 * its inventory the same cluster names (one instance each, on a port nobody listens on, polled once an
 * hour, so that the poller adds next to nothing), and the benchmark reads the dead-letter topic: a
 * malformed marker record on each partition after the warm-up and another at its end, and the
 * dead-lettered markers' timestamps say when the engine reached the first and the last measured record. Reports records/s, the service's CPU
 * (utime + stime) per record, and how long after the last record every offset was committed.
 *
 * <p>With {@code -Dbench.baseline.jar=...} another build's packaged service runs on the same
 * records in alternating runs (ABBA), so that a loaded machine slows both alike: read the ratio.
 * {@code -Dbench.channel.busy-threads=N} spins N threads in this JVM during each run (a loaded
 * machine); {@code -Dbench.channel.jvm-options} adds JVM options to the service (a JFR recording).
 * Not a test: {@code ./mvnw -B package -DskipTests && ./mvnw -B test -Pbench -Dtest=RulesChannelBench};
 * writes {@code target/bench/rules-channel.txt}.
 */
@Tag("bench")
class RulesChannelBench {

    private static final int CLUSTERS = Integer.getInteger("bench.channel.clusters", 1000);
    private static final int ROUNDS = Integer.getInteger("bench.channel.rounds", 15);
    /** Polls of every instance before the measured ones: the service's JIT and caches warm up on them. */
    private static final int WARM_UP_ROUNDS = Integer.getInteger("bench.channel.warmup-rounds", 5);
    private static final int RUNS = Integer.getInteger("bench.channel.runs", 2);
    private static final int BUSY_THREADS = Integer.getInteger("bench.channel.busy-threads", 0);
    private static final String JVM_OPTIONS = System.getProperty("bench.channel.jvm-options", "");
    /** One instance in this many flaps between reachable and timing out, poll after poll. */
    static final int CHANGING_PERIOD = 20;
    private static final String STATUS = "mysql.replication.status";
    private static final String DLQ = "mysql.replication.dlq";
    private static final int PARTITIONS = 3;
    private static final String MARKER = "rules-channel-bench marker ";
    private static final Path JAR = Path.of("target/quarkus-app/quarkus-run.jar");
    private static final Duration RUN_TIMEOUT = Duration.ofSeconds(Long.getLong("bench.channel.timeout.seconds", 900));

    /** One run's figures. */
    private record Run(String variant, long records, double seconds, double cpuSeconds, double commitSeconds, String load) {
        double perSecond() {
            return records / seconds;
        }
    }

    @Test
    void statusChannelThroughput() throws Exception {
        assertThat(JAR).as("the packaged service: ./mvnw -B package -DskipTests first").exists();
        Map<String, Path> variants = new LinkedHashMap<>();
        String baseline = System.getProperty("bench.baseline.jar");
        if (baseline != null && !baseline.isBlank()) {
            assertThat(Path.of(baseline)).as("bench.baseline.jar").exists();
            variants.put("baseline", Path.of(baseline));
        }
        variants.put("this build", JAR);
        Path work = Files.createTempDirectory("rules-channel-bench");
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(work.resolve("kafka"), 0)) {
            String bootstrap = broker.bootstrapServers();
            long records = fill(bootstrap);
            Path inventory = inventory(work);
            List<Run> runs = new ArrayList<>();
            List<String> order = new ArrayList<>(variants.keySet());
            for (int r = 0; r < RUNS; r++) {
                List<String> thisRound = new ArrayList<>(order);
                if (r % 2 == 1) {
                    java.util.Collections.reverse(thisRound); // ABBA: neither always goes first
                }
                for (String v : thisRound) {
                    Run run = run(v, variants.get(v), bootstrap, inventory, work, records, runs.size());
                    System.out.printf(Locale.ROOT, "%s: %,.0f records/s, %.0f us CPU per record, committed %.1f s after the last%n",
                            v, run.perSecond(), 1e6 * run.cpuSeconds / records, run.commitSeconds);
                    runs.add(run);
                }
            }
            String report = report(runs, records);
            System.out.println(report);
            Path out = Path.of("target/bench/rules-channel.txt");
            Files.createDirectories(out.getParent());
            Files.writeString(out, report);
        } finally {
            deleteQuietly(work);
        }
    }

    /**
     * Writes the warm-up polls, a marker on each partition, the measured polls and another marker on
     * each partition; returns how many statuses are measured.
     */
    private static long fill(String bootstrap) throws Exception {
        try (Admin admin = admin(bootstrap)) {
            admin.createTopics(List.of(new NewTopic(STATUS, PARTITIONS, (short) 1), new NewTopic(DLQ, 1, (short) 1))).all().get();
        }
        Fleet fleet = Fleet.of(Fleet.Flavor.mysql, CLUSTERS);
        ObjectMapper json = Engines.json();
        long total = (long) ROUNDS * fleet.instances();
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.LINGER_MS_CONFIG, 20,
                ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024,
                ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new ByteArraySerializer())) {
            long warm = (long) WARM_UP_ROUNDS * fleet.instances();
            for (long n = 0; n < warm + total; n++) {
                if (n == warm) {
                    producer.flush();
                    for (int p = 0; p < PARTITIONS; p++) {
                        producer.send(new ProducerRecord<>(STATUS, p, "bench-marker", (MARKER + "start " + p).getBytes(StandardCharsets.UTF_8)));
                    }
                    producer.flush();
                }
                ReplicationStatus s = status(fleet, n);
                producer.send(new ProducerRecord<>(STATUS, s.cluster(), json.writeValueAsBytes(s)));
            }
            producer.flush();
            for (int p = 0; p < PARTITIONS; p++) {
                producer.send(new ProducerRecord<>(STATUS, p, "bench-marker", (MARKER + "end " + p).getBytes(StandardCharsets.UTF_8)));
            }
            producer.flush();
        }
        return total;
    }

    /**
     * The {@code n}-th status: the fleet's poll, except that one instance in {@value #CHANGING_PERIOD}
     * times out on every other round (InstanceUnreachable fires, starts clearing, stops clearing: a
     * change of the cluster's alert state on every one of its statuses).
     */
    static ReplicationStatus status(Fleet fleet, long n) {
        ReplicationStatus s = fleet.status(n);
        int instance = fleet.templateIndex(n);
        long round = n / fleet.instances();
        if (instance % CHANGING_PERIOD == CHANGING_PERIOD / 4 && round % 2 == 1) {
            return ReplicationStatus.builder(s.cluster(), s.instance()).observedAt(s.observedAt()).pollMillis(800)
                    .reachable(false).error(new PollError("timeout", null, "no answer within 800 ms"))
                    .expectedRole(s.expectedRole()).labels(s.labels()).build();
        }
        return s;
    }

    /**
     * The clusters the records are about, so that none is dead-lettered as unknown; each has one
     * instance on a loopback address of its own and a port nobody listens on, polled once an hour.
     */
    private static Path inventory(Path work) throws IOException {
        int port = LabCommand.freePort(); // nobody listens on it
        StringBuilder yaml = new StringBuilder("sentinel:\n  poll:\n    interval: 1h\n  clusters:\n");
        for (int k = 0; k < CLUSTERS; k++) {
            yaml.append("    ").append(Fleet.clusterName(k)).append(":\n      user: bench\n      instances:\n")
                    .append(String.format(Locale.ROOT, "        - {host: 127.2.%d.%d, port: %d}%n", k / 250, k % 250 + 1, port));
        }
        Path file = work.resolve("inventory.yaml");
        Files.writeString(file, yaml);
        return file;
    }

    private static Run run(String variant, Path jar, String bootstrap, Path inventory, Path work, long records, int index)
            throws Exception {
        String runId = "run-" + index;
        String group = "rules-channel-bench-" + index;
        Path log = work.resolve(runId + ".log");
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx1g");
        if (!JVM_OPTIONS.isBlank()) {
            command.addAll(Arrays.asList(JVM_OPTIONS.replace("{run}", runId).split(" ")));
        }
        String marker = "-Dlab.packaged=" + log.toAbsolutePath();
        command.add(marker);
        command.add("-Dmp.messaging.incoming.status-in.group.id=" + group);
        command.add("-Dmp.messaging.incoming.status-in.auto.offset.reset=earliest");
        // a run's alert state is its own: the next run must not read this one's back
        command.add("-Dsentinel.topics.alert-state=bench.alert-state." + index);
        command.add("-jar");
        command.add(jar.toAbsolutePath().toString());
        ProcessBuilder pb = new ProcessBuilder(command);
        Map<String, String> env = pb.environment();
        env.put("QUARKUS_CONFIG_LOCATIONS", inventory.toString());
        env.put("QUARKUS_HTTP_PORT", Integer.toString(LabCommand.freePort()));
        env.put("KAFKA_BOOTSTRAP_SERVERS", bootstrap);
        env.put("SENTINEL_BINLOG_ENABLED", "false");
        pb.redirectErrorStream(true).redirectOutput(log.toFile());
        String name = "rules-channel-bench-" + ProcessHandle.current().pid() + "-" + index;
        AtomicBoolean busy = new AtomicBoolean(true);
        List<Thread> spinners = spin(busy);
        Process service = LabProcess.start(pb, name, marker);
        try (KafkaConsumer<byte[], byte[]> dlq = dlqReader(bootstrap)) {
            long deadline = System.nanoTime() + RUN_TIMEOUT.toNanos();
            long firstAt = Long.MAX_VALUE;
            long lastAt = Long.MIN_VALUE;
            long cpuAtFirst = -1;
            int ends = 0;
            while (ends < PARTITIONS) {
                assertThat(service.isAlive()).as("service alive; its log: " + log).isTrue();
                assertThat(System.nanoTime()).as("all records read within " + RUN_TIMEOUT).isLessThan(deadline);
                for (ConsumerRecord<byte[], byte[]> r : dlq.poll(Duration.ofMillis(100))) {
                    String value = new String(r.value(), StandardCharsets.UTF_8);
                    if (!value.startsWith(MARKER) || r.timestamp() < 0) {
                        continue;
                    }
                    if (value.startsWith(MARKER + "start")) {
                        if (cpuAtFirst < 0) {
                            cpuAtFirst = cpuTicks(service.pid());
                        }
                        firstAt = Math.min(firstAt, r.timestamp());
                    } else if (value.startsWith(MARKER + "end")) {
                        ends++;
                        lastAt = Math.max(lastAt, r.timestamp());
                    }
                }
            }
            long cpu = cpuTicks(service.pid()) - cpuAtFirst;
            awaitCommitted(bootstrap, group);
            // the dead-lettered marker's timestamp is the service's clock, the same machine's as this one
            double commitSeconds = Math.max(0, System.currentTimeMillis() - lastAt) / 1e3;
            return new Run(variant, records, (lastAt - firstAt) / 1e3, cpu / 100.0, commitSeconds,
                    loadAverage().split(" ")[0]);
        } finally {
            busy.set(false);
            for (Thread t : spinners) {
                t.join();
            }
            service.destroy(); // SIGTERM: a JFR recording given in bench.channel.jvm-options is written out
            service.waitFor(30, java.util.concurrent.TimeUnit.SECONDS);
            LabProcess.kill(service, name);
        }
    }

    /** The DLQ from its end as the run starts: the markers dead-lettered by this run's service only. */
    private static KafkaConsumer<byte[], byte[]> dlqReader(String bootstrap) {
        KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false"), new ByteArrayDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> tps = c.partitionsFor(DLQ).stream().map(p -> new TopicPartition(DLQ, p.partition())).toList();
        c.assign(tps);
        c.seekToEnd(tps);
        tps.forEach(c::position); // resolves the end now, before the service starts
        return c;
    }

    /** Waits until the group has committed every status partition's end: every status counts as read. */
    private static void awaitCommitted(String bootstrap, String group) throws Exception {
        try (Admin admin = admin(bootstrap)) {
            Map<TopicPartition, OffsetSpec> latest = new LinkedHashMap<>();
            for (int p = 0; p < PARTITIONS; p++) {
                latest.put(new TopicPartition(STATUS, p), OffsetSpec.latest());
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (true) {
                Map<TopicPartition, Long> end = admin.listOffsets(latest).all().get().entrySet().stream()
                        .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
                Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                        .partitionsToOffsetAndMetadata().get();
                long lag = 0;
                for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
                    OffsetAndMetadata c = committed.get(e.getKey());
                    lag += e.getValue() - (c == null ? 0 : c.offset());
                }
                if (lag == 0) {
                    return;
                }
                assertThat(System.nanoTime()).as("group " + group + " committed everything; lag " + lag).isLessThan(deadline);
                Thread.sleep(200); // polling the group's offsets with a deadline
            }
        }
    }

    private static List<Thread> spin(AtomicBoolean busy) {
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < BUSY_THREADS; i++) {
            Thread t = new Thread(() -> {
                long x = 0;
                while (busy.get()) {
                    x += System.nanoTime() % 7;
                }
                if (x == 42) {
                    System.out.print("");
                }
            }, "bench-busy-" + i);
            t.setDaemon(true);
            t.start();
            threads.add(t);
        }
        return threads;
    }

    private static String report(List<Run> runs, long records) {
        StringBuilder r = new StringBuilder(String.format(Locale.ROOT,
                "rules engine status channel: %,d statuses (%,d clusters of 3, %d polls each, 1 instance in %d flapping),"
                        + " read by the packaged service from a full topic of %d partitions; %d busy threads; load average %s%n",
                records, CLUSTERS, ROUNDS, CHANGING_PERIOD, PARTITIONS, BUSY_THREADS, loadAverage()));
        r.append(String.format(Locale.ROOT, "%-12s %12s %10s %14s %20s %12s%n", "variant", "records/s", "seconds", "CPU us/record",
                "committed after (s)", "load (1 min)"));
        for (Run run : runs) {
            r.append(String.format(Locale.ROOT, "%-12s %,12.0f %10.1f %14.0f %20.1f %12s%n", run.variant, run.perSecond(), run.seconds,
                    1e6 * run.cpuSeconds / records, run.commitSeconds, run.load));
        }
        Map<String, List<Run>> byVariant = runs.stream().collect(Collectors.groupingBy(Run::variant, LinkedHashMap::new,
                Collectors.toList()));
        if (byVariant.size() == 2) {
            List<Run> base = byVariant.get("baseline");
            List<Run> mine = byVariant.get("this build");
            double baseRate = base.stream().mapToDouble(Run::perSecond).average().orElse(0);
            double mineRate = mine.stream().mapToDouble(Run::perSecond).average().orElse(0);
            double baseCpu = base.stream().mapToDouble(Run::cpuSeconds).average().orElse(0);
            double mineCpu = mine.stream().mapToDouble(Run::cpuSeconds).average().orElse(0);
            r.append(String.format(Locale.ROOT, "this build / baseline: records/s %.2fx, CPU per record %.2fx%n",
                    mineRate / baseRate, mineCpu / baseCpu));
        }
        return r.toString();
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "unknown";
        }
    }

    /** utime + stime of a process, in clock ticks (1/100 s). */
    private static long cpuTicks(long pid) throws IOException {
        String[] f = Files.readString(Path.of("/proc/" + pid + "/stat")).replaceAll(".*\\) ", "").split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    private static Admin admin(String bootstrap) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap));
    }

    private static void deleteQuietly(Path dir) {
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temp dir left behind is harmless
        }
    }
}
