package io.replsentinel.lab;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A private Docker engine for the container tests: {@code scripts/lab/dockerd.sh} installs Debian's
 * {@code docker.io} when it is missing and starts {@code dockerd} with a socket, data root, exec root,
 * pid file, bridge and cgroup parent of its own under a run directory in {@code /tmp} (short: it holds
 * unix sockets). Never the system's default socket or data root.
 * <p>
 * Stopped by PID, with everything it started, three ways like every lab process (see
 * {@link LabProcesses}): {@link #close()} or the JVM's shutdown hook; a watchdog in its own session
 * that runs {@code dockerd.sh stop} when this JVM disappears (SIGKILL, a killed fork); and at the next
 * start, any run directory a dead JVM left behind (recorded under {@code target/lab/pids}) is stopped.
 * Testcontainers reaches it through {@link LabDockerClientStrategy}.
 */
public final class DockerEngine implements AutoCloseable {

    private static DockerEngine instance;

    private final Path runDir;
    private final Path script;
    private final Path record;
    private final Duration startup;
    private final long pid;
    private Process watchdog;
    private Thread hook;
    private boolean closed;

    private DockerEngine(Path runDir, Path script, Path record, Duration startup, long pid) {
        this.runDir = runDir;
        this.script = script;
        this.record = record;
        this.startup = startup;
        this.pid = pid;
    }

    /**
     * Whether an engine can run here at all: Linux, root (dockerd and its bridge need it), and
     * {@code dockerd} present or {@code apt-get} to install it. Where not, tests keep the in-process broker.
     */
    public static boolean canRun() {
        if (!System.getProperty("os.name", "").toLowerCase().contains("linux")) {
            return false;
        }
        if (!"root".equals(System.getProperty("user.name"))) {
            return false;
        }
        return Files.isExecutable(Paths.get("/usr/sbin/dockerd")) || Files.isExecutable(Paths.get("/usr/bin/apt-get"));
    }

    /** The JVM's engine, started on first use; stopped when the JVM exits. */
    public static synchronized DockerEngine get() {
        if (instance == null || instance.closed) {
            instance = start();
        }
        return instance;
    }

    /** The engine this JVM started and has not stopped, if any (for {@link LabDockerClientStrategy}). */
    static synchronized DockerEngine running() {
        return instance != null && !instance.closed ? instance : null;
    }

    private static DockerEngine start() {
        if (!canRun()) {
            throw new IllegalStateException("No Docker engine can run here (needs Linux, root, and dockerd or apt-get)");
        }
        LabInstall lab = LabInstall.get();
        Path script = lab.projectRoot().resolve("scripts/lab/dockerd.sh");
        Path pids = lab.labDir().resolve("pids");
        long jvm = ProcessHandle.current().pid();
        try {
            Files.createDirectories(pids);
            reapStale(script, pids);
            Path runDir = Paths.get("/tmp", "rsd-" + jvm);
            Path record = pids.resolve("dockerd-" + jvm + ".run");
            Files.writeString(record, runDir + "\n");
            long t0 = System.nanoTime();
            exec(List.of("bash", script.toString(), "start", runDir.toString()), lab.labDir().resolve("dockerd-start.log"),
                    Duration.ofMinutes(10), Map.of());
            Duration took = Duration.ofNanos(System.nanoTime() - t0);
            long pid = Long.parseLong(Files.readString(runDir.resolve("dockerd.pid")).trim());
            DockerEngine engine = new DockerEngine(runDir, script, record, took, pid);
            engine.guard(jvm);
            return engine;
        } catch (IOException e) {
            throw new IllegalStateException("cannot start dockerd", e);
        }
    }

    /** Stops engines whose JVM is gone (their watchdog did not get to it, e.g. the whole group was killed). */
    private static void reapStale(Path script, Path pids) throws IOException {
        try (DirectoryStream<Path> records = Files.newDirectoryStream(pids, "dockerd-*.run")) {
            for (Path r : records) {
                String name = r.getFileName().toString();
                long owner;
                try {
                    owner = Long.parseLong(name.substring("dockerd-".length(), name.length() - ".run".length()));
                } catch (NumberFormatException e) {
                    continue; // a record not written by this class: left alone
                }
                if (ProcessHandle.of(owner).map(ProcessHandle::isAlive).orElse(false)) {
                    continue;
                }
                String dir = Files.readString(r).trim();
                if (!dir.isEmpty()) {
                    exec(List.of("bash", script.toString(), "stop", dir), null, Duration.ofMinutes(2), Map.of());
                }
                Files.deleteIfExists(r);
            }
        }
    }

    private void guard(long jvm) throws IOException {
        // setsid: the watchdog outlives a Ctrl-C to Maven's process group, which would kill a plain child
        String loop = "j=$1; while kill -0 \"$j\" 2>/dev/null; do sleep 1; done; exec bash \"$2\" stop \"$3\"";
        watchdog = new ProcessBuilder("setsid", "bash", "-c", loop, "lab-docker-watchdog", Long.toString(jvm),
                script.toString(), runDir.toString())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        hook = new Thread(this::stopEngine, "lab-docker-reaper");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** {@code unix:///tmp/rsd-PID/docker.sock}. */
    public String dockerHost() {
        return "unix://" + runDir.resolve("docker.sock");
    }

    /** PID of {@code dockerd}. */
    public long pid() {
        return pid;
    }

    /** How long {@code dockerd.sh start} took (including an install of docker.io on a fresh machine). */
    public Duration startup() {
        return startup;
    }

    /** Runs {@code docker} against this engine; returns its output, throws when it exits non-zero. */
    public String docker(Duration timeout, String... args) {
        List<String> command = new ArrayList<>(List.of("docker", "-H", dockerHost()));
        command.addAll(List.of(args));
        return run(command, null, timeout);
    }

    /** Runs a command with {@code DOCKER_HOST} set to this engine, e.g. {@code scripts/lab/kafka-image.sh}. */
    public String run(List<String> command, Path log, Duration timeout) {
        return exec(command, log, timeout, Map.of("DOCKER_HOST", dockerHost()));
    }

    private static String exec(List<String> command, Path log, Duration timeout, Map<String, String> env) {
        try {
            Path out = log != null ? log : Files.createTempFile("lab-docker", ".log");
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            pb.environment().putAll(env);
            Process p = pb.start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " timed out after " + timeout + ":\n"
                        + Files.readString(out));
            }
            String text = Files.readString(out, StandardCharsets.UTF_8);
            if (log == null) {
                Files.deleteIfExists(out);
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed (exit " + p.exitValue() + "):\n" + text);
            }
            return text;
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private synchronized void stopEngine() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            exec(List.of("bash", script.toString(), "stop", runDir.toString()), null, Duration.ofMinutes(2), Map.of());
        } catch (RuntimeException e) {
            System.err.println("[lab-docker] stop failed: " + e.getMessage());
        }
        if (watchdog != null) {
            watchdog.destroyForcibly();
        }
        try {
            Files.deleteIfExists(record);
        } catch (IOException ignored) {
        }
    }

    /** Stops the engine, its containers and everything it started; removes its run directory. */
    @Override
    public void close() {
        stopEngine();
        if (hook != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException ignored) {
                // already shutting down
            }
        }
    }
}
