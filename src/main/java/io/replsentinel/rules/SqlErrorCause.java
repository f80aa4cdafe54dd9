package io.replsentinel.rules;

/** The {@code cause} label of ReplicationSqlThreadStopped, from the applier's last error. */
public final class SqlErrorCause {

    public static final String DUPLICATE_KEY = "duplicate_key";
    public static final String ROW_NOT_FOUND = "row_not_found";
    public static final String MISSING_TABLE = "missing_table";
    public static final String OTHER = "other";

    private SqlErrorCause() {
    }

    public static String of(int errno) {
        return switch (errno) {
            case 1062 -> DUPLICATE_KEY;
            case 1032 -> ROW_NOT_FOUND;
            case 1146 -> MISSING_TABLE;
            default -> OTHER;
        };
    }

    /** Duplicate key and row not found mean the replica's rows already differ from the source's. */
    public static boolean impliesDivergence(String cause) {
        return DUPLICATE_KEY.equals(cause) || ROW_NOT_FOUND.equals(cause);
    }
}
