package io.replsentinel.remediation;

import io.replsentinel.remediation.CommandParams.Flavor;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The exact statements of each command type, per flavor (MySQL 9.x, MariaDB 10.11), and the server
 * each runs on. Statements for one server run in one session, in order (GTID_NEXT and
 * sql_log_bin are session variables). A statement with no server is a step the operator runs by
 * hand (a shell command or an edit), written out for review. Every value is validated by the params
 * record before it gets here; string literals are escaped all the same.
 */
public final class CommandSql {

    private CommandSql() {
    }

    /** The statements of a command of {@code params}' type on {@code instance} (its id, host:port). */
    public static List<SqlStatement> of(String instance, CommandParams params) {
        if (params instanceof StartReplicaIoThreadParams p) {
            return List.of(on(instance, start(p.flavor(), p.channel(), "IO_THREAD")));
        }
        if (params instanceof RestartReplicaParams p) {
            return List.of(on(instance, stop(p.flavor(), p.channel(), null)), on(instance, start(p.flavor(), p.channel(), null)));
        }
        if (params instanceof SetServerIdParams p) {
            return setServerId(instance, p);
        }
        if (params instanceof RepointReplicaParams p) {
            return repoint(instance, p);
        }
        if (params instanceof InjectEmptyTransactionsParams p) {
            return inject(p);
        }
        if (params instanceof SkipTransactionParams p) {
            return skip(instance, p);
        }
        if (params instanceof ResyncRowsParams p) {
            return ResyncScript.of(instance, p);
        }
        if (params instanceof RebuildReplicaParams p) {
            return RebuildRunbook.of(instance, p);
        }
        throw new IllegalArgumentException("no SQL for " + params.getClass().getSimpleName());
    }

    static SqlStatement on(String server, String statement) {
        return new SqlStatement(server, statement);
    }

    static SqlStatement byHand(String step) {
        return new SqlStatement(null, step);
    }

    /** {@code START REPLICA [IO_THREAD|SQL_THREAD]} for one channel (MySQL) or connection (MariaDB). */
    static String start(Flavor flavor, String channel, String thread) {
        return replicaVerb("START", flavor, channel, thread);
    }

    static String stop(Flavor flavor, String channel, String thread) {
        return replicaVerb("STOP", flavor, channel, thread);
    }

    private static String replicaVerb(String verb, Flavor flavor, String channel, String thread) {
        String t = thread == null ? "" : " " + thread;
        if (flavor == Flavor.mariadb) {
            // MariaDB names the connection before the thread: START REPLICA 'name' IO_THREAD
            return verb + " REPLICA" + (channel.isEmpty() ? "" : " " + literal(channel)) + t;
        }
        return verb + " REPLICA" + t + forChannel(channel);
    }

    static String forChannel(String channel) {
        return channel.isEmpty() ? "" : " FOR CHANNEL " + literal(channel);
    }

    private static List<SqlStatement> setServerId(String instance, SetServerIdParams p) {
        List<SqlStatement> sql = new ArrayList<>();
        // a replica announces its server_id when it connects: replication reconnects to use the new one
        if (p.flavor() == Flavor.mysql) {
            sql.add(on(instance, "STOP REPLICA"));
            sql.add(on(instance, "SET PERSIST server_id = " + p.newServerId()));
            sql.add(on(instance, "START REPLICA"));
        } else {
            sql.add(on(instance, "STOP ALL REPLICAS"));
            sql.add(on(instance, "SET GLOBAL server_id = " + p.newServerId()));
            sql.add(on(instance, "START ALL REPLICAS"));
            sql.add(optionFileStep(instance, p));
        }
        return sql;
    }

    /** The option-file step of a MariaDB SET_SERVER_ID: SET GLOBAL alone is lost on restart. */
    static SqlStatement optionFileStep(String instance, SetServerIdParams p) {
        return byHand("On " + host(instance) + ", in the [mariadbd] section of " + p.optionFile()
                + " (or wherever the server's options come from, such as a --server-id argument), replace server_id="
                + p.currentServerId() + " by " + p.optionFileLine() + ", so the new id survives a restart");
    }

    private static List<SqlStatement> repoint(String instance, RepointReplicaParams p) {
        if (p.flavor() == Flavor.mariadb) {
            String conn = p.channel().isEmpty() ? "" : " " + literal(p.channel());
            return List.of(
                    on(instance, stop(p.flavor(), p.channel(), null)),
                    on(instance, "CHANGE MASTER" + conn + " TO MASTER_HOST = " + literal(p.toHost()) + ", MASTER_PORT = "
                            + p.toPort() + ", MASTER_USE_GTID = slave_pos"),
                    on(instance, start(p.flavor(), p.channel(), null)));
        }
        return List.of(
                on(instance, stop(p.flavor(), p.channel(), null)),
                on(instance, "CHANGE REPLICATION SOURCE TO SOURCE_HOST = " + literal(p.toHost()) + ", SOURCE_PORT = "
                        + p.toPort() + ", SOURCE_AUTO_POSITION = 1" + forChannel(p.channel())),
                on(instance, start(p.flavor(), p.channel(), null)));
    }

    private static List<SqlStatement> inject(InjectEmptyTransactionsParams p) {
        List<SqlStatement> sql = new ArrayList<>();
        for (String gtid : p.gtids()) {
            sql.add(on(p.source(), "SET GTID_NEXT = " + literal(gtid)));
            sql.add(on(p.source(), "BEGIN"));
            sql.add(on(p.source(), "COMMIT"));
        }
        sql.add(on(p.source(), "SET GTID_NEXT = 'AUTOMATIC'"));
        return sql;
    }

    private static List<SqlStatement> skip(String instance, SkipTransactionParams p) {
        List<SqlStatement> sql = new ArrayList<>();
        if (p.flavor() == Flavor.mysql) {
            sql.add(on(instance, "SET GTID_NEXT = " + literal(p.gtid())));
            sql.add(on(instance, "BEGIN"));
            sql.add(on(instance, "COMMIT"));
            sql.add(on(instance, "SET GTID_NEXT = 'AUTOMATIC'"));
            sql.add(on(instance, start(p.flavor(), p.channel(), "SQL_THREAD")));
        } else {
            // the counter can only be set while the connection's replication is stopped
            sql.add(on(instance, stop(p.flavor(), p.channel(), null)));
            if (!p.channel().isEmpty()) {
                // sql_slave_skip_counter applies to the session's default connection
                sql.add(on(instance, "SET @@default_master_connection = " + literal(p.channel())));
            }
            sql.add(on(instance, "SET GLOBAL sql_slave_skip_counter = 1"));
            sql.add(on(instance, start(p.flavor(), p.channel(), null)));
        }
        return sql;
    }

    /** A SQL string literal: quotes doubled, backslashes escaped. */
    static String literal(String value) {
        return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'";
    }

    static String identifier(String name) {
        return "`" + name.replace("`", "``") + "`";
    }

    static String host(String instance) {
        return instance.substring(0, instance.lastIndexOf(':'));
    }

    static int port(String instance) {
        return Integer.parseInt(instance.substring(instance.lastIndexOf(':') + 1));
    }

    static String tuple(List<String> values) {
        String joined = values.stream().map(CommandSql::literal).collect(Collectors.joining(", "));
        return values.size() == 1 ? joined : "(" + joined + ")";
    }

    static String columns(List<String> names) {
        String joined = names.stream().map(CommandSql::identifier).collect(Collectors.joining(", "));
        return names.size() == 1 ? joined : "(" + joined + ")";
    }
}
