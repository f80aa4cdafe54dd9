package io.replsentinel.remediation;

import java.util.List;
import java.util.regex.Pattern;

/**
 * {@link CommandType#INJECT_EMPTY_TRANSACTIONS} (MySQL only): commit one empty transaction on the
 * source for each errant GTID of the replica, so the source and every other replica hold them too
 * and a failover to the replica sends nothing stray. The errant rows stay as they are.
 *
 * @param replica the instance with the errant transactions
 * @param source  the instance the empty transactions are committed on (the cluster's primary)
 * @param gtids   each errant GTID, {@code uuid:number}, in order
 */
public record InjectEmptyTransactionsParams(String replica, String source, List<String> gtids) implements CommandParams {

    private static final Pattern GTID = Pattern.compile(
            "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(:[A-Za-z_][A-Za-z0-9_]{0,31})?:[1-9][0-9]{0,18}");

    public InjectEmptyTransactionsParams {
        CommandParams.instance("replica", replica);
        CommandParams.instance("source", source);
        if (gtids == null || gtids.isEmpty()) {
            throw new IllegalArgumentException("params.gtids must name at least one errant GTID");
        }
        gtids = List.copyOf(gtids);
        for (String g : gtids) {
            if (g == null || !GTID.matcher(g).matches()) {
                throw new IllegalArgumentException("params.gtids: '" + g + "' is not a single GTID (uuid:number)");
            }
        }
        if (replica.equals(source)) {
            throw new IllegalArgumentException("params.source must not be the replica with the errant transactions");
        }
    }
}
