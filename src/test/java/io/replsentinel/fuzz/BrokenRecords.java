package io.replsentinel.fuzz;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;

/**
 * Deterministic malformed variants of a well-formed status record, one per way a record goes bad on
 * the wire (cut short, a required field gone or of the wrong type, a date that is no date, another
 * schema version, nothing at all), for tests that send them through the running pipeline. The
 * open-ended search for bad records is the Jazzer fuzz tests' job.
 */
public final class BrokenRecords {

    private static final ObjectMapper JSON = new ObjectMapper();

    private BrokenRecords() {
    }

    /** The variants of {@code record} (a JSON object), in a fixed order. */
    public static List<String> of(String record) {
        ObjectNode seed;
        try {
            seed = (ObjectNode) JSON.readTree(record);
        } catch (JsonProcessingException | ClassCastException e) {
            throw new IllegalArgumentException("not a JSON object: " + record, e);
        }
        List<String> out = new ArrayList<>();
        out.add(record.substring(0, record.length() / 3));
        out.add(record.substring(0, record.length() * 2 / 3));
        out.add("{" + record);
        out.add(record.replaceFirst(",", ",,"));
        out.add(seed.deepCopy().without("instance").toString());
        out.add(seed.deepCopy().without("observedAt").toString());
        out.add(seed.deepCopy().without("schemaVersion").toString());
        out.add(seed.deepCopy().put("schemaVersion", 99).toString());
        out.add(seed.deepCopy().put("observedAt", "2026-13-45T99:99:99Z").toString());
        out.add(seed.deepCopy().put("instance", "").toString());
        ObjectNode clusterArray = seed.deepCopy();
        clusterArray.putArray("cluster").add(1);
        out.add(clusterArray.toString());
        out.add(seed.deepCopy().put("reachable", "maybe").toString());
        out.add(seed.deepCopy().put("pollMillis", "fast").toString());
        out.add("");
        return out;
    }
}
