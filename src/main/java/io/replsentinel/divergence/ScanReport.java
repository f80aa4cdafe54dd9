package io.replsentinel.divergence;

import java.time.Instant;
import java.util.List;

/**
 * What the checker says about one cluster in the API: which tables it walks and which it skips,
 * how far the scan is, and the ranges it currently holds for diverged.
 */
public record ScanReport(String cluster, String source, List<String> replicas, List<String> tables,
                         List<SkippedTable> skipped, List<OpenRange> diverged, long rowsChecked, int passes,
                         Instant lastPassFinishedAt, String state, String lastError) {

    /** A table the checker cannot walk, and why. */
    public record SkippedTable(String table, String reason) {
    }

    /** A range found diverged and not yet seen matching again. */
    public record OpenRange(String instance, String table, String rangeId, int differingRows, String foundBy) {
    }
}
