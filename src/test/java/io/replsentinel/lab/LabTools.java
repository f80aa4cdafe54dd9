package io.replsentinel.lab;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The tools a few tests need beyond the database lab (a browser, docker-compose, the Prometheus
 * server), installed on first use by {@code scripts/lab/provision-tools.sh}, as {@link LabInstall}
 * installs the servers.
 */
public final class LabTools {

    private LabTools() {
    }

    /** Debian's headless-capable Chromium. */
    public static Path chromium() {
        return ensure("browser", Path.of("/usr/bin/chromium"), Path.of("/usr/bin/chromedriver"));
    }

    /** The chromedriver matching {@link #chromium()}: Selenium is pointed at it, so it never downloads one. */
    public static Path chromedriver() {
        return ensure("browser", Path.of("/usr/bin/chromedriver"), Path.of("/usr/bin/chromium"));
    }

    /** Debian's docker-compose (1.29), which parses a compose file offline. */
    public static Path dockerCompose() {
        return ensure("compose", Path.of("/usr/bin/docker-compose"));
    }

    /** The server binary of Debian's prometheus package, extracted beside promtool (never installed). */
    public static Path prometheus() {
        return ensure("prometheus", LabInstall.get().cache().resolve("promtool/usr/bin/prometheus"));
    }

    private static synchronized Path ensure(String tool, Path wanted, Path... alsoNeeded) {
        boolean present = Files.isExecutable(wanted);
        for (Path p : alsoNeeded) {
            present &= Files.isExecutable(p);
        }
        if (present) {
            return wanted;
        }
        LabInstall install = LabInstall.get();
        Path log = install.labDir().resolve("provision-tools-" + tool + ".log");
        try {
            Files.createDirectories(log.getParent());
            Process p = new ProcessBuilder("bash", install.projectRoot().resolve("scripts/lab/provision-tools.sh").toString(), tool)
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!p.waitFor(20, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IllegalStateException("provision-tools.sh " + tool + " timed out, see " + log);
            }
            if (p.exitValue() != 0 || !Files.isExecutable(wanted)) {
                throw new IllegalStateException("provision-tools.sh " + tool + " failed (exit " + p.exitValue() + "):\n"
                        + Files.readString(log));
            }
            return wanted;
        } catch (IOException e) {
            throw new IllegalStateException("cannot run provision-tools.sh " + tool, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
