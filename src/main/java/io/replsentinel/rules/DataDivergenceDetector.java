package io.replsentinel.rules;

import io.replsentinel.event.DivergenceFinding;
import io.replsentinel.event.ReplicationStatus;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * DataDivergence: (1) the data checker compared a key range of a table between the source and a
 * replica, (2) they differed, and kept differing while the source's rows did not change, and
 * (3) no later check of that range has matched. One alert per replica and table (label
 * {@code table} = {@code schema.table}); its evidence lists the diverged ranges. Reads only the
 * checker's findings in the cluster view, never a server.
 */
final class DataDivergenceDetector implements Detector {

    @Override
    public String alertname() {
        return DetectorCatalogue.DATA_DIVERGENCE;
    }

    @Override
    public List<Finding> detect(ClusterView view) {
        if (view.divergences().isEmpty()) {
            return List.of();
        }
        Map<String, List<DivergenceFinding>> byReplicaTable = new TreeMap<>();
        for (DivergenceFinding f : view.divergences()) {
            byReplicaTable.computeIfAbsent(f.instance() + "|" + f.qualifiedTable(), k -> new ArrayList<>()).add(f);
        }
        List<Finding> out = new ArrayList<>();
        for (List<DivergenceFinding> ranges : byReplicaTable.values()) {
            ranges.sort(Comparator.comparing(DivergenceFinding::checkedAt));
            DivergenceFinding first = ranges.get(0);
            int rows = differingRows(ranges);
            Map<String, Object> evidence = new LinkedHashMap<>();
            evidence.put("schema", first.schema());
            evidence.put("table", first.table());
            evidence.put("source", first.source());
            evidence.put("keyColumns", first.keyColumns());
            evidence.put("foundBy", first.foundBy());
            if (first.trigger() != null) {
                evidence.put("trigger", first.trigger());
            }
            evidence.put("differingRows", rows);
            // every range's, in one place: what the binlog stream says last touched the differing rows
            evidence.put("lastTouchedGtids", ranges.stream().flatMap(f -> f.lastTouchedGtids().stream()).distinct().toList());
            evidence.put("ranges", ranges.stream().map(DataDivergenceDetector::range).toList());
            Instant at = first.checkedAt();
            Map<String, String> instanceLabels = view.instance(first.instance()).map(ReplicationStatus::labels)
                    .orElse(Map.of());
            out.add(new Finding(alertname(), DetectorCatalogue.CRITICAL, view.cluster(), first.instance(),
                    Map.of("table", first.qualifiedTable()), instanceLabels,
                    "Rows of " + first.qualifiedTable() + " differ on " + first.instance() + " from its source "
                            + first.source(),
                    rows + " differing row(s) in " + ranges.size() + " key range(s), found by the "
                            + first.foundBy() + " check; the difference stayed while the source's rows did not change.",
                    evidence, at));
        }
        return out;
    }

    /**
     * Rows that differ across the ranges. A later pass can cut the table differently, so one row can
     * sit in two open ranges: where every range names all its rows, each row is counted once.
     */
    static int differingRows(List<DivergenceFinding> ranges) {
        boolean allNamed = ranges.stream().allMatch(f -> !f.truncated() && f.differingKeys().size() == f.differingRows());
        if (!allNamed) {
            return ranges.stream().mapToInt(DivergenceFinding::differingRows).sum();
        }
        return (int) ranges.stream().flatMap(f -> f.differingKeys().stream()).map(DivergenceFinding.DifferingKey::key)
                .distinct().count();
    }

    private static Map<String, Object> range(DivergenceFinding f) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("rangeId", f.rangeId());
        if (f.rangeLower() != null) {
            r.put("lower", f.rangeLower());
        }
        if (f.rangeUpper() != null) {
            r.put("upper", f.rangeUpper());
        }
        r.put("sourceRows", f.sourceRows());
        r.put("replicaRows", f.replicaRows());
        r.put("sourceChecksum", f.sourceChecksum());
        r.put("replicaChecksum", f.replicaChecksum());
        r.put("differingRows", f.differingRows());
        r.put("truncated", f.truncated());
        r.put("differingKinds", f.differingKinds());
        r.put("differingKeysHash", f.differingKeysHash());
        if (!f.differingKeys().isEmpty()) {
            r.put("differingKeys", f.differingKeys());
        }
        r.put("lastTouchedGtids", f.lastTouchedGtids());
        r.put("foundBy", f.foundBy());
        r.put("checkedAt", f.checkedAt());
        return r;
    }
}
