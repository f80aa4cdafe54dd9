package io.replsentinel.pipeline;

import io.replsentinel.lab.AlertmanagerProcess;
import io.replsentinel.lab.DbServer;
import io.replsentinel.lab.Flavor;
import io.replsentinel.lab.MariaDbRelease;
import io.replsentinel.lab.Topology;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The real servers every pipeline test shares: a MySQL 9.7 and a MariaDB 10.11 topology (source
 * and two replicas each), a mixed-version MariaDB pair (11.8 source, 10.11 replica), an
 * Alertmanager, a Slack webhook receiver, and a hung instance. Built once per test JVM by
 * {@link LabResource} before the service starts, so the service's inventory can name them.
 */
public final class Lab {

    public static final String MYSQL_CLUSTER = "mysql-lab";
    public static final String MARIADB_CLUSTER = "mariadb-lab";
    /** MariaDB 11.8 source with a 10.11 replica: a replica older than its source, from the start. */
    public static final String SKEW_CLUSTER = "mariadb-skew";
    public static final String BLACKHOLE_CLUSTER = "blackhole";
    public static final String HEARTBEAT_SCHEMA = "repl_sentinel";
    /** Source and one replica of each flavor with binlog listeners on: the only clusters that run Debezium. */
    public static final String MYSQL_BINLOG_CLUSTER = "mysql-binlog";
    public static final String MARIADB_BINLOG_CLUSTER = "mariadb-binlog";

    private static Topology mysql;
    private static Topology mariadb;
    private static Topology skew;
    private static AlertmanagerProcess alertmanager;
    private static Blackhole blackhole;
    private static SlackReceiver slack;
    private static Topology mysqlBinlog;
    private static Topology mariadbBinlog;
    private static java.nio.file.Path binlogDataDir;

    private Lab() {
    }

    static synchronized Map<String, String> start() {
        if (mysql == null) {
            CompletableFuture<Topology> my = CompletableFuture.supplyAsync(() -> Topology.mysql(2));
            CompletableFuture<Topology> maria = CompletableFuture.supplyAsync(() -> Topology.mariadb(2));
            // The JDBC driver asks for collation 255 (utf8mb4_0900_ai_ci), which 11.8 accepts and logs
            // but 10.11 cannot apply: the 11.8 source keeps its sessions on the server's collation.
            CompletableFuture<Topology> sk = CompletableFuture.supplyAsync(() -> Topology.builder(Flavor.MARIADB)
                    .replicas(1).release(0, MariaDbRelease.V11_8)
                    .option(0, "skip-character-set-client-handshake").build());
            CompletableFuture<AlertmanagerProcess> am = CompletableFuture.supplyAsync(AlertmanagerProcess::start);
            CompletableFuture<Topology> myBinlog = CompletableFuture.supplyAsync(() -> Topology.mysql(1));
            CompletableFuture<Topology> mariaBinlog = CompletableFuture.supplyAsync(() -> Topology.mariadb(1));
            blackhole = new Blackhole();
            slack = new SlackReceiver();
            mysql = my.join();
            mariadb = maria.join();
            skew = sk.join();
            alertmanager = am.join();
            mysqlBinlog = myBinlog.join();
            mariadbBinlog = mariaBinlog.join();
            // the listeners log in with the monitoring account: exactly the README's grants plus these
            for (Topology t : List.of(mysqlBinlog, mariadbBinlog)) {
                t.source().exec(Topology.binlogGrantStatements(t.flavor(), Topology.MONITOR_USER, "lab").toArray(String[]::new));
            }
            try {
                binlogDataDir = java.nio.file.Files.createTempDirectory("sentinel-test-binlog");
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            // the MySQL cluster runs with the heartbeat on: the grant it needs beyond the read-only ones
            mysql.source().exec("GRANT CREATE, INSERT, UPDATE, SELECT ON " + HEARTBEAT_SCHEMA + ".* TO '"
                    + Topology.MONITOR_USER + "'@'%'");
        }
        Map<String, String> config = new LinkedHashMap<>();
        inventory(config, MYSQL_CLUSTER, mysql);
        config.put("sentinel.clusters." + MYSQL_CLUSTER + ".heartbeat", "true");
        inventory(config, MARIADB_CLUSTER, mariadb);
        inventory(config, SKEW_CLUSTER, skew);
        config.put("sentinel.clusters." + BLACKHOLE_CLUSTER + ".user", Topology.MONITOR_USER);
        config.put("sentinel.clusters." + BLACKHOLE_CLUSTER + ".password", Topology.MONITOR_PASSWORD);
        config.put("sentinel.clusters." + BLACKHOLE_CLUSTER + ".instances[0].host", "127.0.0.1");
        config.put("sentinel.clusters." + BLACKHOLE_CLUSTER + ".instances[0].port", Integer.toString(blackhole.port()));
        // Debezium engines cost CPU on two cores: only the clusters that test them run listeners
        for (String cluster : List.of(MYSQL_CLUSTER, MARIADB_CLUSTER, SKEW_CLUSTER, BLACKHOLE_CLUSTER)) {
            config.put("sentinel.clusters." + cluster + ".binlog-listener", "false");
        }
        inventory(config, MYSQL_BINLOG_CLUSTER, mysqlBinlog);
        inventory(config, MARIADB_BINLOG_CLUSTER, mariadbBinlog);
        config.put("sentinel.binlog.data-dir", binlogDataDir.toString());
        config.put("sentinel.alertmanager.url", alertmanager.url());
        config.put("sentinel.slack.webhook-url", slack.webhookUrl());
        return config;
    }

    private static void inventory(Map<String, String> config, String cluster, Topology topology) {
        String prefix = "sentinel.clusters." + cluster;
        config.put(prefix + ".user", Topology.MONITOR_USER);
        config.put(prefix + ".password", Topology.MONITOR_PASSWORD);
        List<DbServer> all = topology.all();
        for (int i = 0; i < all.size(); i++) {
            String instance = prefix + ".instances[" + i + "]";
            config.put(instance + ".host", all.get(i).host());
            config.put(instance + ".port", Integer.toString(all.get(i).port()));
            config.put(instance + ".role", i == 0 ? "primary" : "replica");
            config.put(instance + ".labels.zone", "zone-" + i);
        }
    }

    static synchronized void stop() {
        if (blackhole != null) {
            blackhole.close();
        }
        if (mysql != null) {
            mysql.close();
        }
        if (mariadb != null) {
            mariadb.close();
        }
        if (skew != null) {
            skew.close();
        }
        if (alertmanager != null) {
            alertmanager.close();
        }
        if (mysqlBinlog != null) {
            mysqlBinlog.close();
        }
        if (mariadbBinlog != null) {
            mariadbBinlog.close();
        }
        if (slack != null) {
            slack.close();
        }
        mysql = null;
        mariadb = null;
        skew = null;
        alertmanager = null;
        blackhole = null;
        slack = null;
        mysqlBinlog = null;
        mariadbBinlog = null;
    }

    public static Topology mysql() {
        return mysql;
    }

    public static Topology mariadb() {
        return mariadb;
    }

    public static Topology mysqlBinlog() {
        return mysqlBinlog;
    }

    public static Topology mariadbBinlog() {
        return mariadbBinlog;
    }

    public static Topology skew() {
        return skew;
    }

    public static AlertmanagerProcess alertmanager() {
        return alertmanager;
    }

    public static SlackReceiver slack() {
        return slack;
    }

    static Blackhole blackhole() {
        return blackhole;
    }
}
