package io.replsentinel.divergence;

import java.util.List;

/**
 * What the checker needs to know of a table: the key it walks ({@code keyIndex}: the primary key,
 * else a unique key over NOT NULL columns) and every column it hashes, in ordinal order.
 */
public record TableShape(TableRef table, String keyIndex, List<String> keyColumns, List<String> columns) {

    public TableShape {
        keyColumns = List.copyOf(keyColumns);
        columns = List.copyOf(columns);
    }
}
