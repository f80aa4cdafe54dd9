package io.replsentinel.event;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What the data checker concluded about one key range of one table on one replica: it
 * {@code diverged} (the difference stayed while the source's rows did not change) or it
 * {@code matched} again. Published to the divergence topic, keyed by cluster; the rules engine
 * folds it into the cluster view, where DataDivergence reads it (see
 * {@code schemas/divergence-finding.v1.json}).
 *
 * @param instance        the replica
 * @param source          the source it was compared with
 * @param rangeId         stable id of the key range (a hash of table and bounds), so a later check of the
 *                        same range can resolve it without the bounds being shown
 * @param rangeLower      exclusive lower bound of the range, key values; null when open or not allowed
 * @param rangeUpper      inclusive upper bound, likewise
 * @param differingRows   how many differing rows the narrowing found
 * @param truncated       true when the narrowing stopped at its cap, so there may be more
 * @param differingKeys   the keys of differing rows (capped), only when key values may be reported
 * @param differingKeysHash a hash of the differing rows' keys, always: tells two findings apart without the keys
 * @param differingKinds  count of differing rows per kind ({@code changed}, {@code missing_on_replica},
 *                        {@code extra_on_replica})
 * @param foundBy         {@code scheduled} (the background scan) or {@code triggered} (an alert asked for it)
 * @param trigger         the alertname that triggered the check, when triggered
 * @param lastTouchedGtids the GTIDs that last touched the differing rows, when a binlog listener knows them
 */
public record DivergenceFinding(
        int schemaVersion,
        String cluster,
        String instance,
        String source,
        String schema,
        String table,
        String state,
        String rangeId,
        List<String> keyColumns,
        List<String> rangeLower,
        List<String> rangeUpper,
        long sourceRows,
        long replicaRows,
        String sourceChecksum,
        String replicaChecksum,
        int differingRows,
        boolean truncated,
        List<DifferingKey> differingKeys,
        String differingKeysHash,
        Map<String, Integer> differingKinds,
        String foundBy,
        String trigger,
        List<String> lastTouchedGtids,
        Instant checkedAt) {

    public static final int SCHEMA_VERSION = 1;
    public static final String DIVERGED = "diverged";
    public static final String MATCHED = "matched";
    public static final String SCHEDULED = "scheduled";
    public static final String TRIGGERED = "triggered";

    public DivergenceFinding {
        keyColumns = keyColumns == null ? List.of() : List.copyOf(keyColumns);
        differingKeys = differingKeys == null ? List.of() : List.copyOf(differingKeys);
        differingKinds = differingKinds == null ? Map.of() : Map.copyOf(differingKinds);
        lastTouchedGtids = lastTouchedGtids == null ? List.of() : List.copyOf(lastTouchedGtids);
    }

    /** {@code schema.table}, the alert's {@code table} label. */
    public String qualifiedTable() {
        return schema + "." + table;
    }

    /** One differing row: its key values and how it differs. */
    public record DifferingKey(List<String> key, String kind) {
    }
}
