package io.replsentinel.lab;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Process hygiene for everything the lab starts. Processes are only ever addressed by PID, never by
 * name (MySQL shows as {@code ld-linux-x86-64}). Three layers:
 * <ol>
 * <li>a JVM shutdown hook kills what is still running;</li>
 * <li>each process gets a tiny bash watchdog that kills it when this JVM disappears (SIGKILL,
 * OOM, a killed Surefire fork);</li>
 * <li>a pid file under {@code target/lab/pids} names PID and a marker (the datadir); the next run
 * kills a stale PID only if its {@code /proc/PID/cmdline} still mentions that marker.</li>
 * </ol>
 */
final class LabProcesses {

    private static final Map<Long, Process> LIVE = new ConcurrentHashMap<>();
    private static final Map<Long, Process> WATCHDOGS = new ConcurrentHashMap<>();
    private static volatile boolean initialised;

    private LabProcesses() {
    }

    static synchronized void init() {
        if (initialised) {
            return;
        }
        reapStale();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            LIVE.values().forEach(Process::destroyForcibly);
            WATCHDOGS.values().forEach(Process::destroyForcibly);
        }, "lab-process-reaper"));
        initialised = true;
    }

    private static Path pidDir() {
        return LabInstall.get().labDir().resolve("pids");
    }

    /** Kills processes a previous, dead JVM left behind (only when their cmdline still names their marker). */
    static void reapStale() {
        Path dir = pidDir();
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.pid")) {
            for (Path f : files) {
                try {
                    String[] lines = Files.readString(f).split("\n", 2);
                    long pid = Long.parseLong(lines[0].trim());
                    String marker = lines.length > 1 ? lines[1].trim() : "";
                    if (!marker.isEmpty() && cmdlineContains(pid, marker)) {
                        ProcessHandle.of(pid).ifPresent(ph -> {
                            ph.destroyForcibly();
                            ph.onExit().orTimeout(10, TimeUnit.SECONDS).exceptionally(t -> ph).join();
                        });
                    }
                    Files.deleteIfExists(f);
                } catch (IOException | RuntimeException e) {
                    // unreadable or already-gone entries are simply dropped
                    try {
                        Files.deleteIfExists(f);
                    } catch (IOException ignored) {
                    }
                }
            }
        } catch (IOException ignored) {
        }
    }

    static boolean cmdlineContains(long pid, String marker) {
        try {
            byte[] raw = Files.readAllBytes(Paths.get("/proc", Long.toString(pid), "cmdline"));
            return new String(raw, StandardCharsets.UTF_8).replace('\0', ' ').contains(marker);
        } catch (IOException e) {
            return false;
        }
    }

    /** Starts {@code pb}, records its pid file with {@code marker} and attaches a watchdog. */
    static Process start(ProcessBuilder pb, String name, String marker) throws IOException {
        init();
        Process p = pb.start();
        long pid = p.pid();
        LIVE.put(pid, p);
        Files.createDirectories(pidDir());
        Files.writeString(pidDir().resolve(name + ".pid"), pid + "\n" + marker + "\n");
        long jvm = ProcessHandle.current().pid();
        String script = "j=$1; s=$2; while kill -0 \"$s\" 2>/dev/null; do "
                + "if ! kill -0 \"$j\" 2>/dev/null; then kill -9 \"$s\" 2>/dev/null; exit 0; fi; sleep 1; done";
        Process wd = new ProcessBuilder("bash", "-c", script, "lab-watchdog", Long.toString(jvm), Long.toString(pid))
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        WATCHDOGS.put(pid, wd);
        return p;
    }

    /** SIGKILL by PID, waits until the process is gone. */
    static void kill(Process p, String name) {
        if (p == null) {
            return;
        }
        p.destroyForcibly();
        waitGone(p, 30);
        forget(p, name);
    }

    /** SIGTERM by PID, waits up to {@code seconds}, then SIGKILL. */
    static void stop(Process p, String name, long seconds) {
        if (p == null) {
            return;
        }
        p.destroy();
        if (!waitGone(p, seconds)) {
            p.destroyForcibly();
            waitGone(p, 30);
        }
        forget(p, name);
    }

    private static boolean waitGone(Process p, long seconds) {
        try {
            return p.waitFor(seconds, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static void forget(Process p, String name) {
        LIVE.remove(p.pid());
        Optional.ofNullable(WATCHDOGS.remove(p.pid())).ifPresent(Process::destroyForcibly);
        try {
            Files.deleteIfExists(pidDir().resolve(name + ".pid"));
        } catch (IOException ignored) {
        }
    }

    /** The lowest port the tests choose from: above the well-known and most registered services' ports. */
    private static final int PRIVATE_LOW = 20_000;
    /** Ports the tests never take: the defaults of the services a developer may run beside them. */
    private static final Set<Integer> AVOIDED = Set.of(3306, 8080, 8480, 9092, 9093, 9090, 9094, 33060);
    private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

    /**
     * A free TCP port, outside the kernel's ephemeral range ({@code ip_local_port_range}) and never
     * the same twice in this JVM. A lab server binds its port seconds after it is chosen (a MySQL
     * initialises its data directory first); a port of the ephemeral range can meanwhile become the
     * local port of any outgoing connection on the machine (a replica's, a Kafka client's, the
     * thousands of a fleet benchmark), and the server then fails to start with "Address already in
     * use". Outgoing connections never take a port below that range. Where the range leaves too
     * little below it, a port the kernel picks, as before.
     */
    static int freePort() {
        int below = ephemeralLow();
        if (below - PRIVATE_LOW >= 5_000) {
            for (int attempt = 0; attempt < 2_000; attempt++) {
                int port = ThreadLocalRandom.current().nextInt(PRIVATE_LOW, below);
                if (!AVOIDED.contains(port) && bindable(port) && HANDED_OUT.add(port)) {
                    return port;
                }
            }
        }
        for (int attempt = 0; attempt < 100; attempt++) {
            int port = kernelPicked();
            if (HANDED_OUT.add(port)) {
                return port;
            }
        }
        throw new IllegalStateException("no free port");
    }

    private static int ephemeralLow() {
        try {
            // line by line: procfs reports a size of 0, and readString returned its first byte only
            return Integer.parseInt(Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).get(0).trim().split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return 32_768; // Linux's default
        }
    }

    /** Whether the port can be listened on, on every address (the lab's servers listen on 0.0.0.0 or 127.0.0.1). */
    private static boolean bindable(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(false);
            s.bind(new InetSocketAddress(port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int kernelPicked() {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(false);
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException("no free port", e);
        }
    }
}
