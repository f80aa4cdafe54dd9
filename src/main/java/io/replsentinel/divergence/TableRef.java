package io.replsentinel.divergence;

/** A table by schema and name; {@code schema.table} is its label on alerts. */
public record TableRef(String schema, String name) implements Comparable<TableRef> {

    public static TableRef parse(String qualified) {
        int dot = qualified.indexOf('.');
        if (dot <= 0 || dot == qualified.length() - 1) {
            throw new IllegalArgumentException("'" + qualified + "' is not schema.table");
        }
        return new TableRef(qualified.substring(0, dot), qualified.substring(dot + 1));
    }

    /** The quoted name for SQL. */
    public String sql() {
        return ChunkSql.quote(schema) + "." + ChunkSql.quote(name);
    }

    @Override
    public int compareTo(TableRef o) {
        return toString().compareTo(o.toString());
    }

    @Override
    public String toString() {
        return schema + "." + name;
    }
}
