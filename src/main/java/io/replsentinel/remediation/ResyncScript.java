package io.replsentinel.remediation;

import io.replsentinel.remediation.CommandParams.Flavor;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import static io.replsentinel.remediation.CommandSql.byHand;
import static io.replsentinel.remediation.CommandSql.columns;
import static io.replsentinel.remediation.CommandSql.host;
import static io.replsentinel.remediation.CommandSql.identifier;
import static io.replsentinel.remediation.CommandSql.on;
import static io.replsentinel.remediation.CommandSql.port;
import static io.replsentinel.remediation.CommandSql.tuple;

/**
 * The RESYNC_ROWS script: on the replica, without binary logging (so no errant GTID), delete the
 * rows in scope; then copy the source's rows in scope with the flavor's dump tool piped into the
 * replica, again without binary logging. Row values go from server to server, never through the
 * service. Read-only is lifted on the replica only for the script and set back at its end.
 */
final class ResyncScript {

    private ResyncScript() {
    }

    static List<SqlStatement> of(String replica, ResyncRowsParams p) {
        String where = where(p);
        String table = identifier(p.schema()) + "." + identifier(p.table());
        boolean mysql = p.flavor() == Flavor.mysql;
        String readOnly = mysql ? "super_read_only" : "read_only";
        List<SqlStatement> sql = new ArrayList<>();
        if (p.replicaReadOnly()) {
            sql.add(on(replica, "SET GLOBAL " + readOnly + " = OFF"));
        }
        sql.add(on(replica, "SET SESSION sql_log_bin = 0"));
        sql.add(on(replica, "DELETE FROM " + table + (where.isEmpty() ? "" : " WHERE " + where)));
        sql.add(byHand(dump(replica, p, where, mysql)));
        if (p.replicaReadOnly()) {
            sql.add(on(replica, "SET GLOBAL " + readOnly + " = ON"));
        }
        return sql;
    }

    /** The rows in scope; empty for the whole table. */
    static String where(ResyncRowsParams p) {
        if (ResyncRowsParams.KEYS.equals(p.scope())) {
            return columns(p.keyColumns()) + " IN (" + p.keys().stream().map(CommandSql::tuple)
                    .collect(Collectors.joining(", ")) + ")";
        }
        if (ResyncRowsParams.RANGES.equals(p.scope())) {
            return p.ranges().stream().map(r -> range(p.keyColumns(), r)).collect(Collectors.joining(" OR "));
        }
        return "";
    }

    private static String range(List<String> keyColumns, ResyncRowsParams.KeyRange r) {
        List<String> parts = new ArrayList<>();
        if (r.lower() != null) {
            parts.add(columns(keyColumns) + " > " + tuple(r.lower()));
        }
        if (r.upper() != null) {
            parts.add(columns(keyColumns) + " <= " + tuple(r.upper()));
        }
        return parts.isEmpty() ? "TRUE" : "(" + String.join(" AND ", parts) + ")";
    }

    private static String dump(String replica, ResyncRowsParams p, String where, boolean mysql) {
        String dumpTool = mysql ? "mysqldump" : "mariadb-dump";
        String client = mysql ? "mysql" : "mariadb";
        StringBuilder cmd = new StringBuilder("Shell, as an account that can read the source and write the replica: ")
                .append(dumpTool).append(" --host=").append(host(p.source())).append(" --port=").append(port(p.source()))
                .append(" --single-transaction --no-create-info --skip-triggers --skip-add-locks");
        if (mysql) {
            cmd.append(" --set-gtid-purged=OFF");
        }
        if (!where.isEmpty()) {
            cmd.append(" --where=\"").append(shellQuoted(where)).append("\"");
        }
        cmd.append(" ").append(p.schema()).append(" ").append(p.table())
                .append(" | ").append(client).append(" --host=").append(host(replica)).append(" --port=").append(port(replica))
                .append(" --init-command=\"SET SESSION sql_log_bin = 0\" ").append(p.schema());
        return cmd.toString();
    }

    /** Inside shell double quotes: backslash, double quote, dollar and backtick escaped. */
    private static String shellQuoted(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("$", "\\$").replace("`", "\\`");
    }
}
