package io.replsentinel.remediation;

import java.util.regex.Pattern;

/**
 * {@link CommandType#SKIP_TRANSACTION}: let the applier pass the one transaction it stopped on.
 * MySQL (GTID): commit an empty transaction with that transaction's GTID on the replica; MariaDB:
 * {@code sql_slave_skip_counter=1} for the connection. The skipped transaction's rows are then
 * missing on the replica: never automatic.
 *
 * @param gtid         MySQL: the GTID the applier stopped on (the first retrieved, not executed); null on MariaDB
 * @param lastSqlErrno the error it stopped on
 * @param cause        the alert's {@code cause} label
 */
public record SkipTransactionParams(Flavor flavor, String channel, String gtid, int lastSqlErrno, String cause)
        implements CommandParams {

    private static final Pattern GTID = Pattern.compile(
            "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(:[A-Za-z_][A-Za-z0-9_]{0,31})?:[1-9][0-9]{0,18}");

    public SkipTransactionParams {
        CommandParams.present("flavor", flavor);
        channel = CommandParams.channel(channel);
        if (flavor == Flavor.mysql && (gtid == null || !GTID.matcher(gtid).matches())) {
            throw new IllegalArgumentException("params.gtid '" + gtid + "' is not a single GTID (uuid:number)");
        }
        if (flavor == Flavor.mariadb && gtid != null) {
            throw new IllegalArgumentException("params.gtid is for MySQL only: MariaDB skips by sql_slave_skip_counter");
        }
        CommandParams.required("cause", cause);
    }
}
