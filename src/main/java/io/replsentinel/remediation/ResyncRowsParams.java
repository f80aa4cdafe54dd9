package io.replsentinel.remediation;

import java.util.List;
import java.util.Set;

/**
 * {@link CommandType#RESYNC_ROWS}: a reviewed script that makes the replica's rows of one table
 * equal to the source's: delete the replica's rows in scope without binary logging, then copy the
 * source's rows in scope with the client dump tool. Row values never appear: the copy goes from
 * server to server through the operator's shell. Key values appear only where the data checker
 * was allowed to report them ({@code sentinel.divergence.report-key-values}); without them the
 * scope is the whole table.
 *
 * @param source      the instance whose rows are right
 * @param keyColumns  the table's key, in order
 * @param scope       {@code keys} (the differing rows' keys), {@code ranges} (key ranges), or {@code table}
 * @param keys        with scope {@code keys}: each differing row's key values
 * @param ranges      with scope {@code ranges}: each diverged range, bounds as key values
 * @param differingRows how many rows the checker found differing
 * @param replicaReadOnly whether the script must lift read-only on the replica for the copy
 */
public record ResyncRowsParams(Flavor flavor, String source, String schema, String table, List<String> keyColumns,
                               String scope, List<List<String>> keys, List<KeyRange> ranges, int differingRows,
                               boolean replicaReadOnly) implements CommandParams {

    public static final String KEYS = "keys";
    public static final String RANGES = "ranges";
    public static final String TABLE = "table";

    /** One key range: lower exclusive, upper inclusive; a null bound is open. */
    public record KeyRange(List<String> lower, List<String> upper) {
        public KeyRange {
            lower = lower == null ? null : List.copyOf(lower);
            upper = upper == null ? null : List.copyOf(upper);
        }
    }

    public ResyncRowsParams {
        CommandParams.present("flavor", flavor);
        CommandParams.instance("source", source);
        CommandParams.identifier("schema", schema);
        CommandParams.identifier("table", table);
        keyColumns = keyColumns == null ? List.of() : List.copyOf(keyColumns);
        keyColumns.forEach(c -> CommandParams.identifier("keyColumns", c));
        keys = keys == null ? List.of() : keys.stream().map(List::copyOf).toList();
        ranges = ranges == null ? List.of() : List.copyOf(ranges);
        if (!Set.of(KEYS, RANGES, TABLE).contains(scope)) {
            throw new IllegalArgumentException("params.scope '" + scope + "' is none of keys, ranges, table");
        }
        if (!TABLE.equals(scope) && keyColumns.isEmpty()) {
            throw new IllegalArgumentException("params.keyColumns are required with scope " + scope);
        }
        if (KEYS.equals(scope) && keys.isEmpty()) {
            throw new IllegalArgumentException("params.keys must list at least one key with scope keys");
        }
        if (RANGES.equals(scope) && ranges.isEmpty()) {
            throw new IllegalArgumentException("params.ranges must list at least one range with scope ranges");
        }
        for (List<String> k : keys) {
            if (k.size() != keyColumns.size()) {
                throw new IllegalArgumentException("params.keys: " + k.size() + " value(s) for " + keyColumns.size()
                        + " key column(s)");
            }
        }
        for (KeyRange r : ranges) {
            for (List<String> bound : java.util.Arrays.asList(r.lower(), r.upper())) {
                if (bound != null && bound.size() != keyColumns.size()) {
                    throw new IllegalArgumentException("params.ranges: a bound has " + bound.size() + " value(s) for "
                            + keyColumns.size() + " key column(s)");
                }
            }
        }
        if (differingRows < 0) {
            throw new IllegalArgumentException("params.differingRows must not be negative");
        }
    }
}
