package io.replsentinel.binlog;

import io.replsentinel.lab.Topology;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;

/**
 * What the listener tests run on: a MySQL 9.7 and a MariaDB 10.11 topology, started side by side,
 * whose monitoring account holds exactly the README's grants plus
 * {@code scripts/lab/grants-binlog-*.sql} on the schema {@code lab}, with every replica caught up;
 * and the {@link ListenerHarness} the test's listeners run in. Closing it stops the listeners, then
 * the servers.
 */
final class ListenerLab implements AutoCloseable {

    private final Topology mysql;
    private final Topology mariadb;
    private final ListenerHarness harness;

    private ListenerLab(Topology mysql, Topology mariadb, ListenerHarness harness) {
        this.mysql = mysql;
        this.mariadb = mariadb;
        this.harness = harness;
    }

    static ListenerLab start(int mysqlReplicas, int mariadbReplicas, Supplier<ListenerHarness> harness) {
        CompletableFuture<Topology> my = CompletableFuture.supplyAsync(() -> Topology.mysql(mysqlReplicas));
        CompletableFuture<Topology> maria = CompletableFuture.supplyAsync(() -> Topology.mariadb(mariadbReplicas));
        Topology mysql = null;
        Topology mariadb = null;
        try {
            mysql = my.join();
            mariadb = maria.join();
            for (Topology t : List.of(mysql, mariadb)) {
                t.source().exec(Topology.binlogGrantStatements(t.flavor(), Topology.MONITOR_USER, "lab").toArray(String[]::new));
                t.awaitReplicasCaughtUp(Duration.ofSeconds(30));
            }
            return new ListenerLab(mysql, mariadb, harness.get());
        } catch (RuntimeException e) {
            // what did start must not outlive the failure
            if (mysql == null) {
                maria.thenAccept(Topology::close);
            }
            close(mysql, mariadb);
            throw e instanceof CompletionException && e.getCause() instanceof RuntimeException r ? r : e;
        }
    }

    Topology mysql() {
        return mysql;
    }

    Topology mariadb() {
        return mariadb;
    }

    ListenerHarness harness() {
        return harness;
    }

    @Override
    public void close() {
        harness.close();
        close(mysql, mariadb);
    }

    private static void close(Topology... topologies) {
        for (Topology t : topologies) {
            if (t != null) {
                t.close();
            }
        }
    }
}
