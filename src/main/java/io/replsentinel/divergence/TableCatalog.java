package io.replsentinel.divergence;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which tables of a source the checker walks, read from {@code information_schema} (which shows the
 * monitoring user only what it may {@code SELECT}) and filtered by the include and exclude settings.
 * A table with neither a primary key nor a unique key over NOT NULL columns cannot be chunked
 * reliably: it is skipped and listed, never guessed at.
 */
final class TableCatalog {

    static final Set<String> SYSTEM_SCHEMAS = Set.of("mysql", "information_schema", "performance_schema", "sys");

    /** The tables to check and those skipped, with why. */
    record Tables(List<TableShape> checked, Map<TableRef, String> skipped) {
        Tables {
            checked = List.copyOf(checked);
            skipped = Map.copyOf(skipped);
        }
    }

    /** Types whose values are text in a character set: hashed as their bytes, so that no two collations meet. */
    static final Set<String> TEXT_TYPES = Set.of("char", "varchar", "tinytext", "text", "mediumtext", "longtext",
            "enum", "set", "json");
    /** Integer types: a key of one of them is chunked by value. */
    static final Set<String> INTEGER_TYPES = Set.of("tinyint", "smallint", "mediumint", "int", "integer", "bigint");
    /**
     * Types whose text form is made of digits, signs, points, exponents, dashes, colons and spaces, and so
     * can never be the letter {@code N}: a NULL of theirs is hashed as {@code N} (see {@code ChunkSql}).
     * Binary strings, bit, enum, set, JSON and spatial types are not among them: they can hold any byte.
     */
    static final Set<String> NUMERIC_TYPES = Set.of("tinyint", "smallint", "mediumint", "int", "integer", "bigint",
            "decimal", "numeric", "float", "double", "real", "date", "datetime", "timestamp", "time", "year");

    private final TableFilter filter;

    TableCatalog(TableFilter filter) {
        this.filter = filter;
    }

    Tables read(ServerSession source) throws SQLException {
        List<TableShape> checked = new ArrayList<>();
        Map<TableRef, String> skipped = new LinkedHashMap<>();
        for (Map<String, String> row : source.rows("SELECT TABLE_SCHEMA AS s, TABLE_NAME AS t FROM information_schema.TABLES"
                + " WHERE TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_SCHEMA, TABLE_NAME")) {
            TableRef table = new TableRef(row.get("S"), row.get("T"));
            if (SYSTEM_SCHEMAS.contains(table.schema().toLowerCase()) || !filter.accepts(table)) {
                continue;
            }
            TableShape shape = shape(source, table);
            if (shape == null) {
                skipped.put(table, "no primary key or unique key over NOT NULL columns");
            } else {
                checked.add(shape);
            }
        }
        return new Tables(checked, skipped);
    }

    /** The table's shape, or null when it has no usable key. */
    static TableShape shape(ServerSession source, TableRef table) throws SQLException {
        List<String> columns = new ArrayList<>();
        Set<String> nullable = new java.util.HashSet<>();
        Set<String> text = new java.util.HashSet<>();
        Set<String> integers = new java.util.HashSet<>();
        Set<String> numeric = new java.util.HashSet<>();
        for (Map<String, String> c : source.rows("SELECT COLUMN_NAME AS c, IS_NULLABLE AS n, EXTRA AS e, DATA_TYPE AS d"
                + " FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION",
                table.schema(), table.name())) {
            if ("YES".equalsIgnoreCase(c.get("N"))) {
                nullable.add(c.get("C"));
            }
            String type = String.valueOf(c.get("D")).toLowerCase();
            if (NUMERIC_TYPES.contains(type)) {
                numeric.add(c.get("C"));
            }
            if (TEXT_TYPES.contains(type)) {
                text.add(c.get("C"));
            } else if (INTEGER_TYPES.contains(type)) {
                integers.add(c.get("C"));
            }
            // virtual columns are computed from the others: hashing them adds cost, not evidence
            if (c.get("E") == null || !c.get("E").toUpperCase().contains("VIRTUAL")) {
                columns.add(c.get("C"));
            }
        }
        Map<String, List<String>> unique = new LinkedHashMap<>();
        Set<String> unusable = new java.util.HashSet<>();
        for (Map<String, String> k : source.rows("SELECT INDEX_NAME AS i, COLUMN_NAME AS c, SUB_PART AS p"
                + " FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND NON_UNIQUE = 0"
                + " ORDER BY INDEX_NAME = 'PRIMARY' DESC, INDEX_NAME, SEQ_IN_INDEX", table.schema(), table.name())) {
            String index = k.get("I");
            unique.computeIfAbsent(index, i -> new ArrayList<>()).add(k.get("C"));
            // a prefix or a nullable column does not identify a row
            if (k.get("P") != null || k.get("C") == null || nullable.contains(k.get("C"))) {
                unusable.add(index);
            }
        }
        for (Map.Entry<String, List<String>> e : unique.entrySet()) {
            if (!unusable.contains(e.getKey())) {
                boolean integerKey = e.getValue().size() == 1 && integers.contains(e.getValue().get(0));
                return new TableShape(table, e.getKey(), e.getValue(), columns, nullable, text, numeric, integerKey);
            }
        }
        return null;
    }
}
