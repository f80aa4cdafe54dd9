package io.replsentinel.divergence;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The checker's statements for one table. A row's hash is the first 64 bits of the MD5 of its
 * columns' bytes joined by {@code #}, followed by one NULL marker per column (so NULL and the empty
 * string differ); a range's checksum is the XOR of its rows' hashes, with its row count. Columns are
 * hashed as their bytes ({@code CAST ... AS BINARY}), which is the same on every server version of a
 * flavor and never trips over columns of different collations. Every statement is a plain
 * consistent read: no locks, nothing written.
 */
final class ChunkSql {

    private final TableShape shape;
    private final String keyList;
    private final String rowHash;
    private final String from;

    ChunkSql(TableShape shape) {
        this.shape = shape;
        this.keyList = shape.keyColumns().stream().map(ChunkSql::quote).collect(Collectors.joining(", "));
        String values = shape.columns().stream().map(c -> "CAST(" + quote(c) + " AS BINARY)")
                .collect(Collectors.joining(", "));
        String nulls = shape.columns().stream().map(c -> "ISNULL(" + quote(c) + ")").collect(Collectors.joining(", "));
        this.rowHash = "CAST(CONV(LEFT(MD5(CONCAT_WS('#', " + values + ", CONCAT(" + nulls + "))), 16), 16, 10) AS UNSIGNED)";
        this.from = " FROM " + shape.table().sql() + " FORCE INDEX (" + quote(shape.keyIndex()) + ")";
    }

    static String quote(String identifier) {
        return "`" + identifier.replace("`", "``") + "`";
    }

    /** {@code SELECT COUNT(*), BIT_XOR(hash)} over the range. */
    String checksum(KeyRange range) {
        return "SELECT COUNT(*), COALESCE(BIT_XOR(" + rowHash + "), 0)" + from + where(range);
    }

    /** The key of the {@code offset}-th row (0-based) above the range's lower bound, within its upper bound. */
    String keyAt(KeyRange range) {
        return "SELECT " + keyList + from + where(range) + " ORDER BY " + orderBy() + " LIMIT 1 OFFSET ?";
    }

    /** Every row's key and hash in the range, for the row-by-row comparison of a small range. */
    String rowHashes(KeyRange range) {
        return "SELECT " + keyList + ", " + rowHash + from + where(range) + " ORDER BY " + orderBy();
    }

    /** The values to bind, in order, for {@link #where(KeyRange)}. */
    static List<String> parameters(KeyRange range) {
        List<String> p = new ArrayList<>();
        range.lower().ifPresent(p::addAll);
        range.upper().ifPresent(p::addAll);
        return p;
    }

    private String orderBy() {
        return shape.keyColumns().stream().map(ChunkSql::quote).collect(Collectors.joining(", "));
    }

    private String where(KeyRange range) {
        List<String> conditions = new ArrayList<>();
        range.lower().ifPresent(l -> conditions.add(tuple() + " > " + placeholders()));
        range.upper().ifPresent(u -> conditions.add(tuple() + " <= " + placeholders()));
        return conditions.isEmpty() ? "" : " WHERE " + String.join(" AND ", conditions);
    }

    private String tuple() {
        return shape.keyColumns().size() == 1 ? quote(shape.keyColumns().get(0)) : "(" + keyList + ")";
    }

    private String placeholders() {
        String marks = shape.keyColumns().stream().map(c -> "?").collect(Collectors.joining(", "));
        return shape.keyColumns().size() == 1 ? marks : "(" + marks + ")";
    }
}
