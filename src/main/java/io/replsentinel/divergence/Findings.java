package io.replsentinel.divergence;

import io.replsentinel.event.DivergenceFinding;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Builds the {@link DivergenceFinding} events, keeping key values out unless they may be shown. */
final class Findings {

    private Findings() {
    }

    /** A stable id for a table's key range: the same range checked again has the same id. */
    static String rangeId(TableRef table, KeyRange range) {
        return sha256(table + "|" + range.lower().map(List::toString).orElse("-") + "|"
                + range.upper().map(List::toString).orElse("+")).substring(0, 16);
    }

    static DivergenceFinding diverged(String cluster, String replica, String source, TableShape shape, KeyRange range,
                                      String rangeId, Verdict v, Bisector.Result narrowed, String foundBy,
                                      String trigger, boolean keyValues, List<String> lastTouchedGtids, Instant at) {
        List<RowDifference> rows = narrowed.rows().stream()
                .sorted(Comparator.comparing(d -> d.key().toString())).toList();
        Map<String, Integer> kinds = new TreeMap<>();
        rows.forEach(d -> kinds.merge(d.kind().name(), 1, Integer::sum));
        String keysHash = sha256(rows.stream().map(d -> d.key().toString() + d.kind()).toList().toString()).substring(0, 16);
        return new DivergenceFinding(DivergenceFinding.SCHEMA_VERSION, cluster, replica, source,
                shape.table().schema(), shape.table().name(), DivergenceFinding.DIVERGED, rangeId, shape.keyColumns(),
                keyValues ? range.lower().orElse(null) : null, keyValues ? range.upper().orElse(null) : null,
                v.source().rows(), v.replica().rows(), v.source().hex(), v.replica().hex(), rows.size(),
                narrowed.truncated(),
                keyValues ? rows.stream().map(d -> new DivergenceFinding.DifferingKey(d.key(), d.kind().name())).toList()
                        : List.of(),
                keysHash, kinds, foundBy, trigger, lastTouchedGtids, at);
    }

    static DivergenceFinding matched(DivergenceFinding was, Verdict v, Instant at) {
        return new DivergenceFinding(DivergenceFinding.SCHEMA_VERSION, was.cluster(), was.instance(), was.source(),
                was.schema(), was.table(), DivergenceFinding.MATCHED, was.rangeId(), was.keyColumns(), was.rangeLower(),
                was.rangeUpper(), v.source().rows(), v.replica().rows(), v.source().hex(), v.replica().hex(), 0,
                false, List.of(), was.differingKeysHash(), Map.of(), was.foundBy(), was.trigger(), List.of(), at);
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
