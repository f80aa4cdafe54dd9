package io.replsentinel.sandbox;

import io.replsentinel.lab.DbServer;
import io.replsentinel.lab.Faults;
import io.replsentinel.lab.Flavor;
import io.replsentinel.lab.Topology;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The faults {@code scripts/sandbox break} injects: each one the lab's own fault (the very code the
 * pipeline tests break servers with), the alert it raises, and how to undo it.
 *
 * @param alert    the alert the service raises for it, on {@code instance}
 * @param instance which server of the topology (0 the source, 1 and 2 the replicas) the alert names
 * @param quiet    true while the source cannot take the sandbox's background writes
 */
record SandboxFault(String name, String alert, int instance, boolean quiet, String description, Injector injector) {

    /** Breaks the topology and returns what repairs it. */
    interface Injector {
        Runnable inject(Topology topology, Faults faults, int rowId);
    }


    static Map<String, SandboxFault> all(Flavor flavor) {
        Map<String, SandboxFault> m = new LinkedHashMap<>();
        for (SandboxFault f : List.of(
                new SandboxFault("duplicate-key", "ReplicationSqlThreadStopped", 1, false,
                        "a row exists on replica 1 only, then the source inserts the same key: its applier stops on 1062",
                        (t, f1, id) -> {
                            f1.duplicateKeyOnReplica(replica(t, 0), id);
                            return () -> f1.repairDuplicateKey(replica(t, 0), id);
                        }),
                new SandboxFault("errant-write", "ErrantTransactions", 1, false,
                        flavor == Flavor.MYSQL
                                ? "a write on replica 1 itself: it stays Yes/Yes, but holds a GTID its source never had"
                                : "a write on replica 1 itself: a GTID of its own server_id; with gtid_strict_mode the next source write stops its applier (1950)",
                        (t, f1, id) -> {
                            String errant = f1.errantWrite(replica(t, 0), id);
                            return flavor == Flavor.MYSQL ? () -> f1.repairErrantMySql(replica(t, 0), errant, id)
                                    : () -> f1.repairErrantMariaDb(replica(t, 0), id);
                        }),
                new SandboxFault("twin-server-ids", "ServerIdCollision", 1, false,
                        "replica 2 takes replica 1's server_id: MySQL says nothing anywhere, MariaDB replicas knock each other off",
                        (t, f1, id) -> {
                            long original = f1.serverId(replica(t, 1));
                            f1.setServerId(replica(t, 1), f1.serverId(replica(t, 0)));
                            return () -> {
                                f1.setServerId(replica(t, 1), original);
                                f1.awaitAllHealthy();
                            };
                        }),
                new SandboxFault("source-server-id", "ReplicationIoThreadStopped", 1, false,
                        "replica 1 takes its source's server_id: its IO thread stops (MySQL 13117, MariaDB 1593)",
                        (t, f1, id) -> {
                            long original = f1.serverId(replica(t, 0));
                            f1.serverIdOfItsSource(replica(t, 0));
                            return () -> {
                                f1.setServerId(replica(t, 0), original);
                                f1.awaitAllHealthy();
                            };
                        }),
                new SandboxFault("unresolvable-source", "ReplicaSourceMismatch", 1, false,
                        "replica 1 is re-pointed at a host name that does not resolve",
                        (t, f1, id) -> {
                            t.changeSource(replica(t, 0), "no-such-source.invalid", 3306);
                            return () -> {
                                t.repointAtSource(replica(t, 0));
                                f1.awaitAllHealthy();
                            };
                        }),
                new SandboxFault("writable-replica", "MultipleWritablePrimaries", 1, false,
                        "replica 1 accepts writes (read_only OFF): two writable servers in one cluster",
                        (t, f1, id) -> {
                            f1.makeWritable(replica(t, 0));
                            return () -> f1.makeReadOnly(replica(t, 0));
                        }),
                new SandboxFault("source-down", "InstanceUnreachable", 0, true,
                        "the source is killed (SIGKILL): the replicas' IO threads go Connecting with 2003",
                        (t, f1, id) -> {
                            f1.killSource();
                            return f1::restartSource;
                        }),
                new SandboxFault("hung-source", "InstanceUnreachable", 0, true,
                        "the source is frozen (SIGSTOP): its port stays open but nothing answers; polls time out",
                        (t, f1, id) -> {
                            signal("STOP", t.source());
                            return () -> {
                                signal("CONT", t.source());
                                f1.awaitAllHealthy();
                            };
                        }))) {
            m.put(f.name(), f);
        }
        return m;
    }

    private static DbServer replica(Topology t, int i) {
        return t.replicas().get(i);
    }

    /** Java sends no SIGSTOP: {@code kill -STOP <pid>}, addressed by PID as every lab process is. */
    private static void signal(String signal, DbServer server) {
        try {
            Process p = new ProcessBuilder("kill", "-" + signal, Long.toString(server.pid())).inheritIO().start();
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("kill -" + signal + " " + server.pid() + " failed");
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
