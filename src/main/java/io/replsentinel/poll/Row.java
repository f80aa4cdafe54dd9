package io.replsentinel.poll;

import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * One result row as column name to text, case-insensitive, so that one parser reads MySQL's
 * {@code Replica_*}/{@code Source_*} and MariaDB's {@code Slave_*}/{@code Master_*} columns. The
 * rows of one result share one {@link Columns} index, and a statement run on every poll reuses an
 * index of an earlier result with the same columns: SHOW REPLICA STATUS has some sixty, and the
 * thousands of kept connections of a fleet share one index per statement and server version.
 */
public final class Row {
    /** Column shapes kept per statement: one per flavor and version of the fleet's servers is a handful. */
    static final int MAX_SHAPES = 16;
    private final Columns columns;
    private final String[] values;

    public Row(Map<String, String> values) {
        this.columns = new Columns(values.keySet().toArray(String[]::new));
        this.values = new String[columns.labels.length];
        for (int i = 0; i < this.values.length; i++) {
            this.values[i] = values.get(columns.labels[i]);
        }
    }

    private Row(Columns columns, String[] values) {
        this.columns = columns;
        this.values = values;
    }

    public static List<Row> all(ResultSet rs) throws SQLException {
        return all(rs, List.of());
    }

    /**
     * The rows of {@code rs}, indexed by the first of {@code known} whose columns are the same; when
     * none is and {@code known} is a shared {@link CopyOnWriteArrayList}, the new index is added to it (up to
     * {@value #MAX_SHAPES}: a statement has one shape per server flavor and version).
     */
    static List<Row> all(ResultSet rs, List<Columns> known) throws SQLException {
        if (!rs.next()) {
            return List.of(); // a source's empty SHOW REPLICA STATUS still has some sixty columns: index none
        }
        ResultSetMetaData md = rs.getMetaData();
        int n = md.getColumnCount();
        Columns columns = null;
        for (Columns k : known) {
            if (k.sameAs(md, n)) {
                columns = k;
                break;
            }
        }
        if (columns == null) {
            columns = Columns.of(md, n);
            if (known instanceof CopyOnWriteArrayList<Columns> shared && shared.size() < MAX_SHAPES) {
                shared.add(columns);
            }
        }
        List<Row> rows = new ArrayList<>(1);
        do {
            String[] values = new String[n];
            for (int c = 0; c < n; c++) {
                values[c] = rs.getString(c + 1);
            }
            rows.add(new Row(columns, values));
        } while (rs.next());
        return rows;
    }

    /** The first of the given columns that is present and not SQL NULL, else null. */
    public String text(String... columns) {
        for (String c : columns) {
            Integer i = this.columns.index.get(c);
            if (i != null && values[i] != null) {
                return values[i];
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
        return columns.index.containsKey(column);
    }

    @Override
    public String toString() {
        TreeMap<String, String> m = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (int i = 0; i < values.length; i++) {
            m.put(columns.labels[i], values[i]);
        }
        return m.toString();
    }

    /** The column labels of one result and their case-insensitive index; of two equal labels the last wins, as in a map filled in column order. */
    static final class Columns {
        private final String[] labels;
        private final Map<String, Integer> index;

        private Columns(String[] labels) {
            this.labels = labels;
            TreeMap<String, Integer> m = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            for (int i = 0; i < labels.length; i++) {
                m.put(labels[i], i);
            }
            this.index = Collections.unmodifiableMap(m);
        }

        static Columns of(ResultSetMetaData md, int n) throws SQLException {
            String[] labels = new String[n];
            for (int c = 0; c < n; c++) {
                labels[c] = md.getColumnLabel(c + 1);
            }
            return new Columns(labels);
        }

        boolean sameAs(ResultSetMetaData md, int n) throws SQLException {
            if (n != labels.length) {
                return false;
            }
            for (int c = 0; c < n; c++) {
                if (!labels[c].equals(md.getColumnLabel(c + 1))) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public String toString() {
            return Arrays.toString(labels);
        }
    }
}
