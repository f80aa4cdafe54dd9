package io.replsentinel.lab;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Where the lab's server binaries live. Runs {@code scripts/lab/provision.sh} once per JVM when
 * anything is missing, so a clean CI machine provisions itself on the first test.
 */
public final class LabInstall {

    private static LabInstall instance;

    private final Path projectRoot;
    private final Path cacheDir;
    private final Path mysqlRoot;

    private LabInstall(Path projectRoot, Path cacheDir) {
        this.projectRoot = projectRoot;
        this.cacheDir = cacheDir;
        this.mysqlRoot = cacheDir.resolve("mysql-sid");
    }

    public static synchronized LabInstall get() {
        if (instance == null) {
            LabInstall install = new LabInstall(findProjectRoot(), cacheDir());
            if (!install.complete()) {
                install.provision();
            }
            instance = install;
        }
        return instance;
    }

    static Path cacheDir() {
        String env = System.getenv("REPL_SENTINEL_LAB_DIR");
        if (env != null && !env.isBlank()) {
            return Paths.get(env).toAbsolutePath();
        }
        return Paths.get(System.getProperty("user.home"), ".cache", "repl-sentinel", "lab");
    }

    static Path findProjectRoot() {
        for (String start : new String[] { System.getProperty("basedir"), System.getProperty("user.dir") }) {
            if (start == null) {
                continue;
            }
            for (Path p = Paths.get(start).toAbsolutePath(); p != null; p = p.getParent()) {
                if (Files.isRegularFile(p.resolve("scripts/lab/provision.sh"))) {
                    return p;
                }
            }
        }
        throw new IllegalStateException("scripts/lab/provision.sh not found above " + System.getProperty("user.dir"));
    }

    private boolean complete() {
        return Files.isRegularFile(mysqlRoot.resolve(".complete"))
                && Files.isExecutable(mariadbd())
                && Files.isExecutable(mariadbInstallDb())
                && Files.isExecutable(alertmanager())
                && Files.isExecutable(promtool());
    }

    private void provision() {
        Path log = labDir().resolve("provision.log");
        try {
            Files.createDirectories(log.getParent());
            Process p = new ProcessBuilder("bash", projectRoot.resolve("scripts/lab/provision.sh").toString())
                    .directory(projectRoot.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            if (!p.waitFor(30, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IllegalStateException("provision.sh timed out, see " + log);
            }
            if (p.exitValue() != 0 || !complete()) {
                throw new IllegalStateException("provision.sh failed (exit " + p.exitValue() + "):\n" + Files.readString(log));
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot run provision.sh", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public Path projectRoot() {
        return projectRoot;
    }

    public Path cache() {
        return cacheDir;
    }

    /** {@code target/lab} of the project: every datadir, pid file and log of a run goes below it. */
    public Path labDir() {
        return projectRoot.resolve("target").resolve("lab");
    }

    /** Root of the extracted MySQL (sid) tree. */
    public Path mysqlRoot() {
        return mysqlRoot;
    }

    private Path sidLibs() {
        return mysqlRoot.resolve("usr/lib/x86_64-linux-gnu");
    }

    /** Command prefix that runs an executable of the sid tree through sid's own loader. */
    public List<String> mysqlCommand(String relativeExecutable) {
        return List.of(sidLibs().resolve("ld-linux-x86-64.so.2").toString(),
                "--library-path", sidLibs().toString(),
                mysqlRoot.resolve(relativeExecutable).toString());
    }

    public List<String> mysqld() {
        return mysqlCommand("usr/sbin/mysqld");
    }

    public Path mariadbd() {
        return Paths.get("/usr/sbin/mariadbd");
    }

    public Path mariadbInstallDb() {
        return Paths.get("/usr/bin/mariadb-install-db");
    }

    /** Prometheus's rule checker, extracted from Debian's package into the cache. */
    public Path promtool() {
        return cache().resolve("promtool/usr/bin/promtool");
    }

    public Path alertmanager() {
        return Paths.get("/usr/bin/prometheus-alertmanager");
    }

    public Path grantsFile(Flavor flavor) {
        return projectRoot.resolve(flavor == Flavor.MYSQL ? "scripts/lab/grants-mysql.sql" : "scripts/lab/grants-mariadb.sql");
    }
}
