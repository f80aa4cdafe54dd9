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
    private final Path mariadbTrixieRoot;

    private LabInstall(Path projectRoot, Path cacheDir) {
        this.projectRoot = projectRoot;
        this.cacheDir = cacheDir;
        this.mysqlRoot = cacheDir.resolve("mysql-sid");
        this.mariadbTrixieRoot = cacheDir.resolve("mariadb-trixie");
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
                && Files.isRegularFile(mariadbTrixieRoot.resolve(".complete"))
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

    /**
     * {@code target/lab} of the project: every datadir, pid file and log of a run goes below it.
     * {@code -Dlab.dir=...} puts them elsewhere: the sandbox keeps its servers apart, so that a test
     * run reaping what a dead test JVM left in {@code target/lab} never touches them.
     */
    public Path labDir() {
        String dir = System.getProperty("lab.dir");
        return dir != null && !dir.isBlank() ? Path.of(dir).toAbsolutePath() : projectRoot.resolve("target").resolve("lab");
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

    /** Root of the extracted MariaDB 11.8 (trixie) tree. */
    public Path mariadbRoot(MariaDbRelease release) {
        if (release != MariaDbRelease.V11_8) {
            throw new IllegalArgumentException(release + " is the system's MariaDB, not an extracted tree");
        }
        return mariadbTrixieRoot;
    }

    /** Command prefix that runs {@code mariadbd}: the system's for 10.11, trixie's through its own loader for 11.8. */
    public List<String> mariadbd(MariaDbRelease release) {
        if (release == MariaDbRelease.V10_11) {
            return List.of(mariadbd().toString());
        }
        Path libs = mariadbTrixieRoot.resolve("usr/lib/x86_64-linux-gnu");
        return List.of(libs.resolve("ld-linux-x86-64.so.2").toString(), "--library-path", libs.toString(),
                mariadbTrixieRoot.resolve("usr/sbin/mariadbd").toString());
    }

    /**
     * {@code mariadb-install-db} of the release. Trixie's is the unmodified script; it must run with
     * {@code --basedir=}{@link #mariadbInstallDbBasedir}, where wrappers run its binaries through trixie's loader.
     */
    public Path mariadbInstallDb(MariaDbRelease release) {
        return release == MariaDbRelease.V10_11 ? mariadbInstallDb()
                : mariadbTrixieRoot.resolve("usr/bin/mariadb-install-db");
    }

    public Path mariadbInstallDbBasedir(MariaDbRelease release) {
        return mariadbRoot(release).resolve("lab");
    }

    /** Prometheus's rule checker, extracted from Debian's package into the cache. */
    public Path promtool() {
        return cache().resolve("promtool/usr/bin/promtool");
    }

    public Path alertmanager() {
        return Paths.get("/usr/bin/prometheus-alertmanager");
    }

    /** What the binlog listener needs beside the monitoring grants. */
    public Path binlogGrantsFile(Flavor flavor) {
        return projectRoot.resolve(flavor == Flavor.MYSQL ? "scripts/lab/grants-binlog-mysql.sql" : "scripts/lab/grants-binlog-mariadb.sql");
    }

    /** The remediation executor's account ({@code scripts/lab/grants-remediation-*.sql}). */
    public Path remediationGrantsFile(Flavor flavor) {
        return projectRoot.resolve(flavor == Flavor.MYSQL ? "scripts/lab/grants-remediation-mysql.sql"
                : "scripts/lab/grants-remediation-mariadb.sql");
    }

    public Path grantsFile(Flavor flavor) {
        return projectRoot.resolve(flavor == Flavor.MYSQL ? "scripts/lab/grants-mysql.sql" : "scripts/lab/grants-mariadb.sql");
    }
}
