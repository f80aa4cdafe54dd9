package io.replsentinel.poll;

import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One result row as column name to text, case-insensitive, so that one parser reads MySQL's
 * {@code Replica_*}/{@code Source_*} and MariaDB's {@code Slave_*}/{@code Master_*} columns.
 */
public final class Row {
    private final Map<String, String> values;

    public Row(Map<String, String> values) {
        TreeMap<String, String> m = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        m.putAll(values);
        this.values = m;
    }

    public static List<Row> all(ResultSet rs) throws SQLException {
        ResultSetMetaData md = rs.getMetaData();
        List<Row> rows = new ArrayList<>();
        while (rs.next()) {
            Map<String, String> m = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            for (int c = 1; c <= md.getColumnCount(); c++) {
                m.put(md.getColumnLabel(c), rs.getString(c));
            }
            rows.add(new Row(m));
        }
        return rows;
    }

    /** The first of the given columns that is present and not SQL NULL, else null. */
    public String text(String... columns) {
        for (String c : columns) {
            String v = values.get(c);
            if (v != null) {
                return v;
            }
        }
        return null;
    }

    /** Like {@link #text} but an empty string reads as absent. */
    public String nonEmpty(String... columns) {
        String v = text(columns);
        return v == null || v.isEmpty() ? null : v;
    }

    public Long number(String... columns) {
        String v = nonEmpty(columns);
        if (v == null) {
            return null;
        }
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    public int intOrZero(String... columns) {
        Long n = number(columns);
        return n == null ? 0 : n.intValue();
    }

    public boolean has(String column) {
        return values.containsKey(column);
    }

    @Override
    public String toString() {
        return values.toString();
    }
}
