package io.replsentinel.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.replsentinel.kafka.KafkaBrokerResource;
import io.replsentinel.kafka.KafkaTestClient;
import io.replsentinel.lab.DbServer;
import io.replsentinel.lab.Topology;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The fleet benchmark: {@link ScaleFleetResource}'s 5,000 entries (real MariaDB and MySQL replicas
 * on one loopback address each, a few hundred hung with SIGSTOP or refusing) polled at the shipped
 * defaults while both sources take writes. After a warm-up it reads every status for a window and
 * prints: instances seen, the poll interval (p50/p99 pooled, and the spread of each instance's own
 * p99), statuses per second, CPU (the whole JVM, which also runs the Kafka broker and this reader;
 * the poll threads alone, per poll; each server process), heap after a full GC and RSS, the size of
 * {@code /q/metrics}, polls shed, and the rules engine's consumer lag. Not a test: {@code ./mvnw -B
 * test -Pbench -Dtest=FleetScaleBench}; results in {@code target/bench/fleet-scale.txt}.
 */
@QuarkusTest
@TestProfile(DefaultSettingsProfile.class)
@Tag("bench")
@WithTestResource(value = KafkaBrokerResource.class, scope = TestResourceScope.GLOBAL)
// restricted: a global resource would have every test of the suite poll these 5,000 entries
@WithTestResource(value = ScaleFleetResource.class, scope = TestResourceScope.RESTRICTED_TO_CLASS)
class FleetScaleBench {

    private static final String STATUS = "mysql.replication.status";
    private static final String ALERTS = "mysql.replication.alerts";
    private static final String RULES_GROUP = "repl-sentinel-rules";
    private static final Duration WARM_UP = Duration.ofSeconds(Long.getLong("bench.warmup.seconds", 30));
    /**
     * After {@link #WARM_UP} the warm-up goes on, 10 s at a time, until the JIT compiler threads take
     * less than this many cores ({@code bench.warmup.jit-quiet}; 0, the default, ends the warm-up at its
     * fixed time): on 2 cores, a JVM running the service and the broker still compiles in bursts six
     * minutes in, so a quiet 10 s is a lull, not the end; the report gives the JIT's share of the window.
     */
    private static final double JIT_QUIET = Double.parseDouble(System.getProperty("bench.warmup.jit-quiet", "0"));
    /** The longest the warm-up waits for the JIT to go quiet ({@code bench.warmup.max-seconds}). */
    private static final Duration WARM_UP_MAX = Duration.ofSeconds(Long.getLong("bench.warmup.max-seconds", 600));
    private static final Duration WINDOW = Duration.ofSeconds(Long.getLong("bench.window.seconds", 60));
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    /** The embedded Kafka broker's threads, as {@link #threadCpu} names them (digits as #). */
    private static final Pattern BROKER_THREAD = Pattern.compile(
            "^(data-plane-kafka|group-coordinator|kafka-scheduler|ExpirationReaper|share-|raft-|quorum-controller"
                    + "|persister-|kafka-#-|broker-#|controller-#|client-metrics-reaper|transaction-log-manager"
                    + "|executor-Fetch|LogDirFailureHandler|kafka-log-cleaner|kafka-request-handler)");
    /** This benchmark's own threads: the status reader (main), the writer, the lag's admin client. */
    private static final Set<String> BENCH_THREADS = Set.of("main", "bench-writer",
            "kafka-admin-client-thread | adminclient-#");

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @Test
    void fiveThousandInstancesOnOneNode() throws Exception {
        AtomicBoolean writing = new AtomicBoolean(true);
        Thread writer = new Thread(() -> write(writing), "bench-writer");
        writer.setDaemon(true);
        writer.start();
        signal("STOP", ScaleFleetResource.hung());
        try {
            Window warmUp = statuses(WARM_UP);
            long jitSettled = settleJit();
            Map<String, Long> cpuBefore = threadCpu();
            Map<Ticked, long[]> ticksBefore = threadTicks();
            long processCpuBefore = processCpu();
            Map<Long, Long> serverCpuBefore = serverCpu();
            long connectionsBefore = serverConnections();
            long writerBefore = WRITER_CONNECTIONS.get();
            Map<String, Double> skippedBefore = skippedByReason();
            long start = System.nanoTime();
            Window w = statuses(WINDOW);
            double seconds = (System.nanoTime() - start) / 1e9;
            Instant windowEnd = Instant.now();
            Map<String, Long> cpu = delta(cpuBefore, threadCpu());
            Map<Ticked, long[]> ticks = threadTicks();
            double processCores = (processCpu() - processCpuBefore) / 1e9 / seconds;
            Map<Long, Long> serverCpu = serverCpu();
            // the servers' count less the writer's connections and the four this count itself opens
            long logins = serverConnections() - connectionsBefore - (WRITER_CONNECTIONS.get() - writerBefore)
                    - ScaleFleetResource.live().size();
            Map<String, Double> skippedAfter = skippedByReason();
            double skippedInWindow = skippedAfter.values().stream().mapToDouble(Double::doubleValue).sum()
                    - skippedBefore.values().stream().mapToDouble(Double::doubleValue).sum();
            String skippedReasons = skippedAfter.entrySet().stream()
                    .map(e -> String.format(Locale.ROOT, "%s %.0f", e.getKey(), e.getValue() - skippedBefore.getOrDefault(e.getKey(), 0.0)))
                    .collect(Collectors.joining(", "));
            long lag = consumerLag();
            // after every counter of the window is read: these requests take time, on a saturated node seconds
            String statusAge = statusAge(w, windowEnd);
            System.gc();
            System.gc();
            long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
            String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();

            StringBuilder r = new StringBuilder();
            r.append(String.format(Locale.ROOT, "fleet: %d entries (%d live on 4 real servers, %d hung with SIGSTOP,"
                            + " %d refusing), each its own cluster; interval 1 s, timeout 800 ms; %d s window after %d s warm-up%n",
                    ScaleFleetResource.INSTANCES, ScaleFleetResource.INSTANCES - ScaleFleetResource.HUNG
                            - ScaleFleetResource.REFUSING, ScaleFleetResource.HUNG, ScaleFleetResource.REFUSING,
                    WINDOW.toSeconds(), jitSettled < 0 ? WARM_UP_MAX.toSeconds() : jitSettled));
            r.append(String.format(Locale.ROOT, "instances seen: %d live, %d hung, %d refusing; %.0f statuses/s%n",
                    w.live.size(), w.hung.size(), w.refusing.size(), w.records / seconds));
            r.append(interval("live instances", w.live));
            r.append(interval("refusing instances", w.refusing));
            r.append(String.format(Locale.ROOT, "hung instances: %d statuses, %d of them timeout%n", w.hungStatuses, w.hungTimeouts));
            r.append(String.format(Locale.ROOT, "live instances reported unreachable: %d statuses; answered past the 800 ms"
                    + " timeout: %d statuses%n", w.liveUnreachable, w.liveAnsweredLate));
            r.append(String.format(Locale.ROOT, "the JIT compiler: %s%n", JIT_QUIET <= 0
                    ? "not waited for (a fixed warm-up; bench.warmup.jit-quiet sets a threshold)"
                    : jitSettled < 0
                    ? String.format(Locale.ROOT, "still above %.2f cores after %d s of warm-up (bench.warmup.max-seconds)",
                    JIT_QUIET, WARM_UP_MAX.toSeconds()) : String.format(Locale.ROOT,
                    "below %.2f cores over 10 s after %d s of warm-up (the window starts then)", JIT_QUIET, jitSettled)));
            r.append(String.format(Locale.ROOT, "in the warm-up: %d live statuses reported unreachable%s%n", warmUp.liveUnreachable,
                    warmUp.liveUnreachableBy.entrySet().stream().map(e -> "\n  " + e.getValue() + " " + e.getKey())
                            .collect(Collectors.joining())));
            r.append(firedOnLive());
            // each kept connection logs in once; a poll aborted at its deadline costs a login (TLS, authentication) more
            r.append(String.format(Locale.ROOT, "the service's logins to the four live servers in the window: %d (%.1f/s)%n", logins,
                    logins / seconds));
            long pollCpu = cpu.entrySet().stream().filter(e -> e.getKey().startsWith("poll-")).mapToLong(Map.Entry::getValue).sum();
            long polls = w.records;
            r.append(String.format(Locale.ROOT, "CPU: whole JVM %.2f cores (also runs the Kafka broker and this benchmark's reader);"
                            + " poll threads %.2f cores = %.0f us per poll%n", processCores, pollCpu / 1e9 / seconds,
                    pollCpu / 1e3 / Math.max(1, polls)));
            r.append("CPU in user / kernel mode, us per status (the kernel's share: loopback TCP, waking and parking threads,"
                    + " which no Java profiler sees): ").append(TICKED.stream().map(g -> {
                        long[] before = ticksBefore.getOrDefault(g, new long[2]);
                        long[] after = ticks.getOrDefault(g, new long[2]);
                        return String.format(Locale.ROOT, "%s %.0f / %.0f", g.label(), (after[0] - before[0]) * 1e4 / Math.max(1, polls),
                                (after[1] - before[1]) * 1e4 / Math.max(1, polls));
                    }).collect(Collectors.joining(", "))).append('\n');
            r.append("CPU by thread group (cores): ").append(cpu.entrySet().stream()
                    .sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(8)
                    .map(e -> String.format(Locale.ROOT, "%s %.2f", e.getKey(), e.getValue() / 1e9 / seconds))
                    .collect(Collectors.joining(", "))).append('\n');
            // the embedded broker's threads and this benchmark's own (its reader runs on main); what is
            // left is the service: polling, the rules engine, its Kafka clients, the API, the sinks
            long serviceCpu = cpu.entrySet().stream()
                    .filter(e -> !BROKER_THREAD.matcher(e.getKey()).find() && !BENCH_THREADS.contains(e.getKey()))
                    .mapToLong(Map.Entry::getValue).sum();
            r.append(String.format(Locale.ROOT, "the service's own threads (all but the broker's and this benchmark's;"
                            + " JIT and GC not counted): %.2f cores = %.0f us per status%n", serviceCpu / 1e9 / seconds,
                    serviceCpu / 1e3 / Math.max(1, polls)));
            r.append("servers' CPU (cores): ").append(serverCpuBefore.entrySet().stream()
                    .map(e -> String.format(Locale.ROOT, "pid %d %.2f", e.getKey(),
                            (serverCpu.getOrDefault(e.getKey(), e.getValue()) - e.getValue()) / 100.0 / seconds))
                    .collect(Collectors.joining(", "))).append('\n');
            double serverSeconds = serverCpuBefore.entrySet().stream()
                    .mapToLong(e -> serverCpu.getOrDefault(e.getKey(), e.getValue()) - e.getValue()).sum() / 100.0;
            double pollUs = pollCpu / 1e3 / Math.max(1, polls);
            double serverUs = serverSeconds * 1e6 / Math.max(1, w.liveRecords);
            double jvmUs = processCores * seconds * 1e6 / Math.max(1, polls);
            // what 2 cores hold for each part alone, at the CPU each took per poll in this window
            r.append(String.format(Locale.ROOT, "per poll: poll threads %.0f us, the whole JVM %.0f us (per status), the four"
                            + " servers %.0f us (per live status; their replication and the writes included); 2 cores"
                            + " hold %.0f polls/s of the poll threads alone, %.0f of the whole JVM, %.0f of the servers alone%n",
                    pollUs, jvmUs, serverUs, 2e6 / pollUs, 2e6 / jvmUs, 2e6 / serverUs));
            r.append(String.format(Locale.ROOT, "memory: heap after full GC %.0f MB (%.3f MB per instance over a 200 MB base);"
                            + " RSS %.0f MB; %d live threads%n", heap / 1e6,
                    (heap / 1e6 - 200) / ScaleFleetResource.INSTANCES, rss() / 1e6, THREADS.getThreadCount()));
            r.append(String.format(Locale.ROOT, "/q/metrics: %.1f MB, %d lines; polls shed in the window: %.0f (%s)%n",
                    metrics.length() / 1e6, metrics.lines().count(), skippedInWindow, skippedReasons));
            r.append(String.format(Locale.ROOT, "rules engine consumer lag at the end: %d records (committed offsets)%n", lag));
            r.append(statusAge);
            System.out.println(r);
            Path out = Path.of("target/bench/fleet-scale.txt");
            Files.createDirectories(out.getParent());
            Files.writeString(out, r.toString());
            assertThat(w.live).isNotEmpty();
        } finally {
            signal("CONT", ScaleFleetResource.hung());
            writing.set(false);
            writer.join(10_000);
        }
    }

    /** Real replication under the fleet: both sources take a few writes a second. */
    /** Connections the writer opened (one per insert, as root): counted apart from the service's logins. */
    private static final java.util.concurrent.atomic.AtomicLong WRITER_CONNECTIONS = new java.util.concurrent.atomic.AtomicLong();

    private static void write(AtomicBoolean writing) {
        AtomicInteger id = new AtomicInteger(1_000_000);
        while (writing.get()) {
            for (Topology t : ScaleFleetResource.topologies()) {
                try {
                    WRITER_CONNECTIONS.incrementAndGet();
                    t.insert(id.incrementAndGet());
                } catch (RuntimeException e) {
                    // a loaded server may be slow to answer; the next write goes on
                }
            }
            try {
                Thread.sleep(100); // pacing the load, not waiting on a condition
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private static final class Window {
        final Map<String, List<Instant>> live = new HashMap<>();
        final Map<String, List<Instant>> refusing = new HashMap<>();
        final Map<String, List<Instant>> hung = new HashMap<>();
        long records;
        long liveRecords;
        long hungStatuses;
        long hungTimeouts;
        long liveUnreachable;
        long liveAnsweredLate;
        final Map<String, String> clusterOf = new HashMap<>();
        /** Each unreachable live status's error, with how many polls of its poller it was. */
        final Map<String, Long> liveUnreachableBy = new java.util.TreeMap<>();
    }

    /**
     * How old the newest status of each of up to 100 live instances is, at the window's end, in the
     * status topic (what this bench read) and in the rules engine (what the API answers from): the
     * difference is how far the engine's evaluation trails the polls, whatever its committed offsets say.
     */
    private static String statusAge(Window w, Instant windowEnd) {
        List<String> sample = new ArrayList<>(w.clusterOf.keySet());
        Collections.shuffle(sample, new Random(1));
        List<Long> topic = new ArrayList<>();
        List<Long> engine = new ArrayList<>();
        for (String instance : sample.subList(0, Math.min(100, sample.size()))) {
            List<Instant> seen = w.live.get(instance);
            topic.add(Duration.between(seen.get(seen.size() - 1), windowEnd).toMillis());
            Instant asked = Instant.now();
            String observed = given().get("/api/clusters/" + w.clusterOf.get(instance)).then().statusCode(200)
                    .extract().path("instances[0].status.observedAt");
            engine.add(observed == null ? -1 : Duration.between(Instant.parse(observed), asked).toMillis());
        }
        Collections.sort(topic);
        Collections.sort(engine);
        return String.format(Locale.ROOT, "age of each sampled live instance's newest status at the window's end (n=%d):"
                        + " in the status topic p50 %d ms, max %d ms; in the rules engine p50 %d ms, max %d ms%n",
                topic.size(), percentile(topic, 0.5), topic.get(topic.size() - 1), percentile(engine, 0.5),
                engine.get(engine.size() - 1));
    }

    private Window statuses(Duration window) {
        Window w = new Window();
        // a plain consumer that keeps nothing: KafkaTestClient keeps every record, which would fill this heap
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.GROUP_ID_CONFIG, "fleet-scale-bench-" + System.nanoTime(),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName(),
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName()))) {
            List<TopicPartition> partitions = consumer.partitionsFor(STATUS).stream()
                    .map(pi -> new TopicPartition(pi.topic(), pi.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            partitions.forEach(consumer::position);
            long end = System.nanoTime() + window.toNanos();
            while (System.nanoTime() < end) {
                for (ConsumerRecord<String, String> rec : consumer.poll(Duration.ofMillis(200))) {
                    JsonNode s = KafkaTestClient.json(rec);
                    String cluster = s.path("cluster").asText();
                    Instant at = Instant.parse(s.path("observedAt").asText());
                    w.records++;
                    Map<String, List<Instant>> into;
                    if (cluster.startsWith(ScaleFleetResource.HUNG_PREFIX)) {
                        into = w.hung;
                        w.hungStatuses++;
                        if (s.path("error").path("class").asText().equals("timeout")) {
                            w.hungTimeouts++;
                        }
                    } else if (cluster.startsWith(ScaleFleetResource.REFUSING_PREFIX)) {
                        into = w.refusing;
                    } else if (cluster.startsWith(ScaleFleetResource.PREFIX)) {
                        into = w.live;
                        w.liveRecords++;
                        w.clusterOf.putIfAbsent(s.path("instance").asText(), cluster);
                        if (s.path("reachable").asBoolean() && s.path("pollMillis").asLong() > 800) {
                            w.liveAnsweredLate++; // an answer seen past the deadline (the clock thread ran the deadline late)
                        }
                        if (!s.path("reachable").asBoolean()) {
                            w.liveUnreachable++;
                            long seq = s.path("sequence").asLong();
                            String message = s.path("error").path("message").asText();
                            w.liveUnreachableBy.merge(s.path("error").path("class").asText() + " at poll "
                                    + (seq <= 5 ? Long.toString(seq) : seq <= 20 ? "6-20" : "21+") + ": "
                                    + message.substring(0, Math.min(70, message.length())), 1L, Long::sum);
                        }
                    } else {
                        continue;
                    }
                    into.computeIfAbsent(s.path("instance").asText(), k -> new ArrayList<>()).add(at);
                }
            }
        }
        return w;
    }

    private static String interval(String what, Map<String, List<Instant>> seen) {
        List<Long> pooled = new ArrayList<>();
        List<Long> p99s = new ArrayList<>();
        for (List<Instant> times : seen.values()) {
            List<Instant> sorted = times.stream().sorted().toList();
            List<Long> gaps = new ArrayList<>();
            for (int i = 1; i < sorted.size(); i++) {
                gaps.add(Duration.between(sorted.get(i - 1), sorted.get(i)).toMillis());
            }
            pooled.addAll(gaps);
            if (!gaps.isEmpty()) {
                p99s.add(percentile(gaps, 0.99));
            }
        }
        long within = p99s.stream().filter(p -> p <= 1200).count();
        return String.format(Locale.ROOT, "%-19s poll interval p50 %d ms, p99 %d ms, max %d ms (n=%d); each instance's p99:"
                        + " median %d ms, worst %d ms, %d of %d within 1.2 s%n", what, percentile(pooled, 0.5),
                percentile(pooled, 0.99), percentile(pooled, 1.0), pooled.size(), percentile(p99s, 0.5),
                percentile(p99s, 1.0), within, p99s.size());
    }

    private static long percentile(List<Long> values, double p) {
        if (values.isEmpty()) {
            return -1;
        }
        List<Long> sorted = values.stream().sorted().toList();
        int index = (int) Math.ceil(p * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
    }

    /** CPU nanoseconds of the live threads, by name with its numbers dropped (poll-worker-12: poll-worker-). */
    private static Map<String, Long> threadCpu() {
        Map<String, Long> byGroup = new TreeMap<>();
        for (long id : THREADS.getAllThreadIds()) {
            ThreadInfo info = THREADS.getThreadInfo(id);
            long cpu = THREADS.getThreadCpuTime(id);
            if (info != null && cpu > 0) {
                byGroup.merge(info.getThreadName().replaceAll("\\d+", "#"), cpu, Long::sum);
            }
        }
        return byGroup;
    }

    /** A thread group whose user and kernel time are reported: what the report calls it, and its threads' names. */
    private record Ticked(String label, Pattern names) {
        Ticked(String label, String regex) {
            this(label, Pattern.compile(regex));
        }
    }

    /** The HotSpot compiler threads ({@code C1 CompilerThre}, {@code C2 CompilerThre}). */
    private static final Ticked JIT = new Ticked("JIT compiler threads", "^C[12] CompilerThre");

    /**
     * The thread groups whose user and kernel time are reported, by their threads' names as the kernel
     * keeps them (15 characters at most).
     */
    private static final List<Ticked> TICKED = List.of(
            new Ticked("poll threads", "^poll-"),
            new Ticked("event loop", "^vert\\.x-eventloo"),
            new Ticked("the connector's consumer and producer threads", "^smallrye-kafka-"),
            new Ticked("producers' network threads", "^kafka-producer-"),
            new Ticked("status sender", "^status-sender"),
            JIT,
            new Ticked("GC threads", "^(GC Thread|G1 )"));

    /**
     * utime and stime, in clock ticks (1/100 s), summed over this JVM's live threads of each group of
     * {@link #TICKED}: how much of their CPU is the kernel's.
     */
    private static Map<Ticked, long[]> threadTicks() throws IOException {
        Map<Ticked, long[]> ticks = new HashMap<>();
        try (var tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path task : tasks.toList()) {
                String stat;
                try {
                    stat = Files.readString(task.resolve("stat"));
                } catch (IOException ended) {
                    continue; // the thread ended while listed
                }
                String comm = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                for (Ticked group : TICKED) {
                    if (group.names().matcher(comm).find()) {
                        String[] f = stat.substring(stat.lastIndexOf(") ") + 2).split(" ");
                        long[] t = ticks.computeIfAbsent(group, k -> new long[2]);
                        t[0] += Long.parseLong(f[11]);
                        t[1] += Long.parseLong(f[12]);
                    }
                }
            }
        }
        return ticks;
    }

    /**
     * Reads statuses 10 s at a time, past {@link #WARM_UP}, until the JIT compiler threads took less than
     * {@link #JIT_QUIET} cores over the last 10 s: the seconds of warm-up then, or -1 at {@link #WARM_UP_MAX}.
     */
    private long settleJit() throws Exception {
        long warmed = WARM_UP.toSeconds();
        while (JIT_QUIET > 0) {
            long[] before = threadTicks().getOrDefault(JIT, new long[2]);
            statuses(Duration.ofSeconds(10));
            warmed += 10;
            long[] after = threadTicks().getOrDefault(JIT, new long[2]);
            // a compiler thread that ended in between takes its ticks with it: never below zero
            double cores = Math.max(0, after[0] + after[1] - before[0] - before[1]) / 100.0 / 10;
            if (cores < JIT_QUIET) {
                return warmed;
            }
            if (warmed >= WARM_UP_MAX.toSeconds()) {
                return -1;
            }
        }
        return warmed;
    }

    private static Map<String, Long> delta(Map<String, Long> before, Map<String, Long> after) {
        Map<String, Long> d = new TreeMap<>();
        after.forEach((k, v) -> d.put(k, Math.max(0, v - before.getOrDefault(k, 0L))));
        return d;
    }

    private static long processCpu() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /** utime + stime in clock ticks (1/100 s) of each live server process. */
    private static Map<Long, Long> serverCpu() throws IOException {
        Map<Long, Long> ticks = new TreeMap<>();
        for (DbServer s : ScaleFleetResource.live()) {
            String[] f = Files.readString(Path.of("/proc/" + s.pid() + "/stat")).replaceAll(".*\\) ", "").split(" ");
            ticks.put(s.pid(), Long.parseLong(f[11]) + Long.parseLong(f[12]));
        }
        return ticks;
    }

    /** Connection attempts the four live servers have counted ({@code Connections}), the benchmark's own included. */
    private static long serverConnections() {
        long n = 0;
        for (DbServer s : ScaleFleetResource.live()) {
            n += Long.parseLong(String.valueOf(s.query("SHOW GLOBAL STATUS LIKE 'Connections'").get(0).get("Value")));
        }
        return n;
    }

    private static long rss() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
            }
        }
        return -1;
    }

    /** {@code sentinel_polls_skipped_total} by its {@code reason} label. */
    private static Map<String, Double> skippedByReason() {
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        Map<String, Double> byReason = new TreeMap<>();
        metrics.lines().filter(l -> l.startsWith("sentinel_polls_skipped_total{")).forEach(l -> {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("reason=\"([^\"]*)\"").matcher(l);
            byReason.merge(m.find() ? m.group(1) : "?", Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)), Double::sum);
        });
        return byReason;
    }

    /**
     * The alerts the run announced about live instances, from the alerts topic's start (warm-up
     * included), by name and cause: a page about a live server is a false alarm, except
     * ReplicaSourceMismatch{not_in_cluster}, which each replica's own single-instance cluster earns.
     */
    private String firedOnLive() {
        Map<String, Long> fired = new java.util.TreeMap<>();
        java.util.Set<String> instances = new java.util.HashSet<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.GROUP_ID_CONFIG, "fleet-scale-bench-alerts-" + System.nanoTime(),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName(),
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName()))) {
            List<TopicPartition> partitions = consumer.partitionsFor(ALERTS).stream()
                    .map(pi -> new TopicPartition(pi.topic(), pi.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp))) {
                for (ConsumerRecord<String, String> rec : consumer.poll(Duration.ofMillis(200))) {
                    JsonNode a = KafkaTestClient.json(rec);
                    JsonNode labels = a.path("labels");
                    String cluster = labels.path("cluster").asText();
                    if (!a.path("status").asText().equals("firing") || !cluster.startsWith(ScaleFleetResource.PREFIX)
                            || cluster.startsWith(ScaleFleetResource.HUNG_PREFIX) || cluster.startsWith(ScaleFleetResource.REFUSING_PREFIX)) {
                        continue;
                    }
                    fired.merge(labels.path("alertname").asText() + "{" + labels.path("cause").asText() + "}", 1L, Long::sum);
                    instances.add(labels.path("instance").asText() + " " + labels.path("alertname").asText());
                }
            }
        }
        return String.format(Locale.ROOT, "alerts fired on live instances over the whole run (warm-up included): %s (%d instance-alerts)%n",
                fired, instances.size());
    }

    private long consumerLag() throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(RULES_GROUP)
                    .partitionsToOffsetAndMetadata().get();
            Map<TopicPartition, OffsetSpec> latest = committed.keySet().stream()
                    .filter(tp -> tp.topic().equals(STATUS)).collect(Collectors.toMap(tp -> tp, tp -> OffsetSpec.latest()));
            long lag = 0;
            for (var e : admin.listOffsets(latest).all().get().entrySet()) {
                lag += e.getValue().offset() - committed.get(e.getKey()).offset();
            }
            return lag;
        }
    }

    private static void signal(String signal, DbServer server) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("kill", "-" + signal, Long.toString(server.pid())).inheritIO().start();
        assertThat(p.waitFor()).isZero();
    }
}
