package io.replsentinel.divergence;

import java.util.List;
import java.util.Set;

/**
 * What the checker needs to know of a table: the key it walks ({@code keyIndex}: the primary key,
 * else a unique key over NOT NULL columns), every column it hashes, in ordinal order, which of them
 * can hold NULL (only those need a NULL marker), which hold text (only those are hashed as their
 * bytes, so collations never meet), which hold numbers, dates or times (their text never reads
 * {@code N}, so that letter can stand for their NULL), and whether the key is one integer column
 * (then chunks are cut by key value, with no query to find a chunk's bound).
 */
public record TableShape(TableRef table, String keyIndex, List<String> keyColumns, List<String> columns,
                         Set<String> nullable, Set<String> text, Set<String> numeric, boolean integerKey) {

    public TableShape {
        keyColumns = List.copyOf(keyColumns);
        columns = List.copyOf(columns);
        nullable = Set.copyOf(nullable);
        text = Set.copyOf(text);
        numeric = Set.copyOf(numeric);
        integerKey = integerKey && keyColumns.size() == 1;
    }

    /** A shape that knows no column to hold numbers, dates or times: every nullable column gets a NULL marker. */
    public TableShape(TableRef table, String keyIndex, List<String> keyColumns, List<String> columns,
                      Set<String> nullable, Set<String> text, boolean integerKey) {
        this(table, keyIndex, keyColumns, columns, nullable, text, Set.of(), integerKey);
    }

    /** A shape that assumes the worst of every column: each may be NULL and each is hashed as bytes. */
    public TableShape(TableRef table, String keyIndex, List<String> keyColumns, List<String> columns) {
        this(table, keyIndex, keyColumns, columns, Set.copyOf(columns), Set.copyOf(columns), Set.of(), false);
    }
}
