package io.replsentinel.lab;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One real MySQL 9.7 or MariaDB 10.11 (or 11.8, see {@link Builder#release}) server in its own
 * directory under {@code target/lab}, on a free port of 127.0.0.1, with binary log and GTIDs on.
 * Addressed only by its PID.
 */
public final class DbServer implements AutoCloseable {

    private static final AtomicInteger SEQ = new AtomicInteger();

    private final Flavor flavor;
    private final MariaDbRelease release;
    private final long serverId;
    private final List<String> extraOptions;
    private final int port;
    private final Path dir;
    private final Path dataDir;
    private final String name;
    private volatile Process process;

    private DbServer(Builder b) {
        this.flavor = b.flavor;
        this.release = b.release;
        this.serverId = b.serverId;
        this.extraOptions = List.copyOf(b.options);
        LabInstall install = LabInstall.get();
        this.port = LabProcesses.freePort();
        String suffix = flavor == Flavor.MARIADB && this.release != MariaDbRelease.V10_11
                ? "-" + this.release.name().toLowerCase() : "";
        this.name = flavor.name().toLowerCase() + suffix
                + "-" + serverId + "-" + port + "-" + ProcessHandle.current().pid()
                + "-" + SEQ.incrementAndGet();
        this.dir = install.labDir().resolve(name);
        this.dataDir = dir.resolve("data");
    }

    public static Builder builder(Flavor flavor) {
        return new Builder(flavor);
    }

    /** Initialises and starts a server with default options. */
    public static DbServer start(Flavor flavor, long serverId) {
        return builder(flavor).serverId(serverId).start();
    }

    public static final class Builder {
        private Flavor flavor;
        private long serverId = 1;
        private MariaDbRelease release = MariaDbRelease.V10_11;
        private final List<String> options = new ArrayList<>();

        private Builder(Flavor flavor) {
            this.flavor = flavor;
        }

        public Builder flavor(Flavor flavor) {
            this.flavor = flavor;
            return this;
        }

        /** Which MariaDB to run (default 10.11, the system's); ignored for MySQL. */
        public Builder release(MariaDbRelease release) {
            this.release = release;
            return this;
        }

        public Builder serverId(long id) {
            this.serverId = id;
            return this;
        }

        /** Extra server option as {@code name=value} or {@code name} (e.g. {@code gtid_strict_mode=OFF}); later wins. */
        public Builder option(String option) {
            this.options.add(option);
            return this;
        }

        public Builder options(List<String> options) {
            this.options.addAll(options);
            return this;
        }

        /** Creates the datadir and starts the server; waits until it accepts connections. */
        public DbServer start() {
            DbServer s = new DbServer(this);
            try {
                s.initialise();
                s.start();
                return s;
            } catch (RuntimeException e) {
                s.close();
                throw e;
            }
        }
    }

    public Flavor flavor() {
        return flavor;
    }

    /** The MariaDB release this server runs (meaningless for MySQL). */
    public MariaDbRelease release() {
        return release;
    }

    public String host() {
        return "127.0.0.1";
    }

    public int port() {
        return port;
    }

    public String id() {
        return host() + ":" + port;
    }

    public long serverId() {
        return serverId;
    }

    public Path dir() {
        return dir;
    }

    public Path errorLog() {
        return dir.resolve("error.log");
    }

    public long pid() {
        Process p = process;
        return p == null ? -1 : p.pid();
    }

    public boolean running() {
        Process p = process;
        return p != null && p.isAlive();
    }

    // ------------------------------------------------------------------------------ lifecycle

    private void initialise() {
        try {
            Files.createDirectories(dir.resolve("tmp"));
            LabInstall install = LabInstall.get();
            List<String> cmd = new ArrayList<>();
            if (flavor == Flavor.MYSQL) {
                writeMysqlDefaults();
                cmd.addAll(install.mysqld());
                cmd.add("--defaults-file=" + dir.resolve("my.cnf"));
                cmd.add("--initialize-insecure");
            } else if (release != MariaDbRelease.V10_11) {
                cmd.add(install.mariadbInstallDb(release).toString());
                cmd.add("--no-defaults");
                cmd.add("--basedir=" + install.mariadbInstallDbBasedir(release));
                cmd.add("--datadir=" + dataDir);
                cmd.add("--auth-root-authentication-method=normal");
                cmd.add("--skip-test-db");
                cmd.add("--tmpdir=" + dir.resolve("tmp"));
                cmd.add("--user=" + System.getProperty("user.name"));
            } else {
                cmd.add(install.mariadbInstallDb().toString());
                cmd.add("--no-defaults");
                cmd.add("--datadir=" + dataDir);
                cmd.add("--auth-root-authentication-method=normal");
                cmd.add("--skip-test-db");
                cmd.add("--tmpdir=" + dir.resolve("tmp"));
                cmd.add("--user=" + System.getProperty("user.name"));
            }
            Path log = dir.resolve("initialise.log");
            for (int attempt = 1;; attempt++) {
                Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
                if (!p.waitFor(120, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new IllegalStateException("initialising " + name + " timed out");
                }
                if (p.exitValue() == 0) {
                    break;
                }
                String why = Files.readString(log) + tail(errorLog());
                if (attempt == 2) {
                    throw new IllegalStateException("initialising " + name + " failed:\n" + why);
                }
                // A bootstrap can fail transiently on a busy machine: start over from an empty datadir once.
                System.err.println("[lab] initialising " + name + " failed, retrying once:\n" + why);
                deleteTree(dataDir);
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private String socketPath() {
        Path s = dir.resolve("server.sock");
        return s.toString().length() < 100 ? s.toString() : "/tmp/" + name + ".sock";
    }

    private void writeMysqlDefaults() throws IOException {
        Path root = LabInstall.get().mysqlRoot();
        Files.createDirectories(dir.resolve("files"));
        List<String> lines = new ArrayList<>(List.of(
                "[mysqld]",
                "basedir=" + root.resolve("usr"),
                "datadir=" + dataDir,
                "port=" + port,
                "bind_address=127.0.0.1",
                "socket=" + socketPath(),
                "pid_file=" + dir.resolve("mysqld.pid"),
                "tmpdir=" + dir.resolve("tmp"),
                "log_error=" + errorLog(),
                "lc_messages_dir=" + root.resolve("usr/share/mysql"),
                "character_sets_dir=" + root.resolve("usr/share/mysql/charsets"),
                "plugin_dir=" + root.resolve("usr/lib/mysql/plugin"),
                "secure_file_priv=" + dir.resolve("files"),
                "mysqlx=OFF",
                "server_id=" + serverId,
                "report_host=127.0.0.1",
                "report_port=" + port,
                "log_bin=binlog",
                "relay_log=relay-bin",
                "gtid_mode=ON",
                "enforce_gtid_consistency=ON",
                "binlog_format=ROW",
                "log_replica_updates=ON",
                "innodb_buffer_pool_size=64M",
                "innodb_redo_log_capacity=16M",
                "innodb_log_buffer_size=4M",
                "performance_schema_max_table_instances=400",
                "max_connections=60"));
        if ("root".equals(System.getProperty("user.name"))) {
            lines.add("user=root");
        }
        for (String o : extraOptions) {
            lines.add(o.startsWith("--") ? o.substring(2) : o);
        }
        Files.write(dir.resolve("my.cnf"), lines);
    }

    private List<String> mariadbCommand() {
        List<String> cmd = new ArrayList<>(LabInstall.get().mariadbd(release));
        if (release != MariaDbRelease.V10_11) {
            // The extracted tree is not where this build expects its files: name each place (the
            // system's 10.11 messages and plugins must not be picked up).
            Path root = LabInstall.get().mariadbRoot(release);
            cmd.addAll(List.of("--no-defaults",
                    "--basedir=" + root.resolve("usr"),
                    "--lc-messages-dir=" + root.resolve("usr/share/mariadb"),
                    "--character-sets-dir=" + root.resolve("usr/share/mariadb/charsets"),
                    "--plugin-dir=" + root.resolve("usr/lib/mysql/plugin")));
        } else {
            cmd.add("--no-defaults");
        }
        cmd.addAll(List.of(
                "--datadir=" + dataDir,
                "--port=" + port,
                "--socket=" + socketPath(),
                "--bind-address=127.0.0.1",
                "--pid-file=" + dir.resolve("mariadbd.pid"),
                "--tmpdir=" + dir.resolve("tmp"),
                "--log-error=" + errorLog(),
                "--server-id=" + serverId,
                "--report-host=127.0.0.1",
                "--report-port=" + port,
                "--log-bin=mariadb-bin",
                "--relay-log=relay-bin",
                "--binlog-format=ROW",
                "--log-slave-updates",
                "--gtid-strict-mode=ON",
                "--character-set-server=utf8mb4",
                "--collation-server=utf8mb4_general_ci",
                "--skip-name-resolve",
                "--innodb-buffer-pool-size=64M",
                "--innodb-log-file-size=16M",
                "--max-connections=60"));
        if ("root".equals(System.getProperty("user.name"))) {
            cmd.add("--user=root");
        }
        for (String o : extraOptions) {
            cmd.add(o.startsWith("--") ? o : "--" + o);
        }
        return cmd;
    }

    /** Starts the server again (same port and datadir) and waits until it accepts connections. */
    public synchronized void start() {
        if (running()) {
            return;
        }
        List<String> cmd;
        if (flavor == Flavor.MYSQL) {
            cmd = new ArrayList<>(LabInstall.get().mysqld());
            cmd.add("--defaults-file=" + dir.resolve("my.cnf"));
        } else {
            cmd = mariadbCommand();
        }
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("console.log").toFile()));
            process = LabProcesses.start(pb, name, dataDir.toString());
        } catch (IOException e) {
            throw new IllegalStateException("cannot start " + name, e);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        SQLException last = null;
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue() + tail(errorLog()));
            }
            try (Connection c = connect("root", "", 1000)) {
                return;
            } catch (SQLException e) {
                last = e;
            }
            sleep(100);
        }
        throw new IllegalStateException(name + " does not accept connections: " + last + tail(errorLog()));
    }

    /** SIGKILL by PID; waits until the process is gone. */
    public synchronized void kill() {
        LabProcesses.kill(process, name);
    }

    /** Graceful stop (SIGTERM by PID); a server still running after 60 s is killed. */
    public synchronized void stop() {
        LabProcesses.stop(process, name, 60);
    }

    /**
     * Kills the server (a throwaway datadir needs no clean shutdown) and deletes its directory (about
     * 110 MB for MySQL); {@code -Dlab.keep=true} keeps it for inspection.
     */
    @Override
    public void close() {
        kill();
        if (!Boolean.getBoolean("lab.keep")) {
            try {
                deleteTree(dir);
            } catch (IOException e) {
                System.err.println("[lab] cannot delete " + dir + ": " + e);
            }
        }
    }

    // ------------------------------------------------------------------------------ SQL

    Connection connect(String user, String password, int connectTimeoutMs) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", user);
        p.setProperty("password", password == null ? "" : password);
        p.setProperty("connectTimeout", Integer.toString(connectTimeoutMs));
        p.setProperty("socketTimeout", "120000");
        p.setProperty("allowPublicKeyRetrieval", "true");
        p.setProperty("sslMode", "DISABLED");
        p.setProperty("useServerPrepStmts", "false");
        // performance_schema shows "never" as 0000-00-00 timestamps
        p.setProperty("zeroDateTimeBehavior", "CONVERT_TO_NULL");
        return DriverManager.getConnection("jdbc:mysql://" + host() + ":" + port + "/", p);
    }

    /** A new connection as root (no password) over TCP. The caller closes it. */
    public Connection rootConnection() {
        try {
            return connect("root", "", 5000);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot connect to " + name + ": " + e.getMessage(), e);
        }
    }

    /** A new connection as {@code user} over TCP. The caller closes it. */
    public Connection connection(String user, String password) throws SQLException {
        return connect(user, password, 5000);
    }

    /** Runs the statements in order on one root session. */
    public void exec(String... sql) {
        try (Connection c = rootConnection(); Statement st = c.createStatement()) {
            for (String s : sql) {
                try {
                    st.execute(s);
                } catch (SQLException e) {
                    throw new IllegalStateException(name + ": " + s + " -> " + e.getErrorCode() + " " + e.getMessage(), e);
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Runs one query as root; every row as column label to value, in column order. */
    public List<Map<String, Object>> query(String sql) {
        try (Connection c = rootConnection()) {
            return query(c, sql);
        } catch (SQLException e) {
            throw new IllegalStateException(name + ": " + sql + " -> " + e.getErrorCode() + " " + e.getMessage(), e);
        }
    }

    public static List<Map<String, Object>> query(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            ResultSetMetaData md = rs.getMetaData();
            List<Map<String, Object>> rows = new ArrayList<>();
            while (rs.next()) {
                Map<String, Object> row = new LinkedHashMap<>();
                for (int i = 1; i <= md.getColumnCount(); i++) {
                    row.put(md.getColumnLabel(i), rs.getObject(i));
                }
                rows.add(row);
            }
            return rows;
        }
    }

    /** First column of the first row, as a string (null when no row or SQL NULL). */
    public String scalar(String sql) {
        List<Map<String, Object>> rows = query(sql);
        if (rows.isEmpty()) {
            return null;
        }
        Object v = rows.get(0).values().iterator().next();
        return v == null ? null : v.toString();
    }

    /** {@code SHOW REPLICA STATUS} (MariaDB keeps the {@code Slave_*} column names); empty map when not a replica. */
    public Map<String, Object> replicaStatus() {
        List<Map<String, Object>> rows = query("SHOW REPLICA STATUS");
        return rows.isEmpty() ? Map.of() : rows.get(0);
    }

    /** The GTID position as the flavor states it: MySQL {@code gtid_executed}, MariaDB {@code gtid_binlog_pos}. */
    public String gtidPosition() {
        String v = scalar(flavor == Flavor.MYSQL ? "SELECT @@GLOBAL.gtid_executed" : "SELECT @@GLOBAL.gtid_binlog_pos");
        return v == null ? "" : v.replace("\n", "");
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (var paths = Files.walk(root)) {
            for (Path p : (Iterable<Path>) paths.sorted(java.util.Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }

    static String tail(Path file) {
        try {
            if (!Files.exists(file)) {
                return "";
            }
            List<String> lines = Files.readAllLines(file);
            return "\n--- " + file + " (tail)\n" + String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "";
        }
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return flavor + "[" + id() + " server_id=" + serverId + " pid=" + pid() + "]";
    }
}
