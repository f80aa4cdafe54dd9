package io.replsentinel.binlog;

/**
 * Why a listener is not streaming: the {@code cause} label of BinlogListenerDown and what the
 * server or Debezium said.
 */
record ListenerDown(String cause, String message) {

    static final String PRIVILEGES = "privileges";
    static final String UNSUPPORTED_CONFIG = "unsupported_config";
    static final String TAGGED_GTIDS = "tagged_gtids";
    static final String CONNECTION = "connection";
    static final String FALLING_BEHIND = "falling_behind";

    /** The cause a Debezium failure or a server error stands for, from its text and its causes' types. */
    static ListenerDown classify(String message, Throwable error) {
        StringBuilder all = new StringBuilder(message == null ? "" : message);
        boolean numberFormat = false;
        for (Throwable t : io.replsentinel.Causes.chain(error)) {
            all.append(" | ").append(t.getClass().getSimpleName()).append(": ").append(t.getMessage());
            for (StackTraceElement e : t.getStackTrace()) {
                if (t instanceof NumberFormatException && e.getClassName().contains("GtidSet")) {
                    numberFormat = true;
                }
            }
        }
        String text = all.toString();
        String lower = text.toLowerCase();
        String cause;
        if (numberFormat) {
            return new ListenerDown(TAGGED_GTIDS, "tagged GTIDs (MySQL 8.3+ gtid_next='AUTOMATIC:<tag>'), which"
                    + " Debezium 3.5.0 cannot read: " + firstLine(text));
        } else if (lower.contains("access denied") || lower.contains("privilege")) {
            cause = PRIVILEGES;
        } else if (lower.contains("whose schema isn't known")) {
            // no_data snapshots read only the tables the account can see: without SELECT on a schema
            // its row events cannot be decoded, and no reconnect helps
            return new ListenerDown(PRIVILEGES, "the account cannot read the definition of a table the binlog"
                    + " writes to: GRANT SELECT ON <schema>.* on the watched schemas (README, grants for the binlog"
                    + " listeners), or leave the schema out with sentinel.binlog.table-exclude. " + firstLine(text));
        } else if (lower.contains("binlog_format") || lower.contains("binlog_row_image") || lower.contains("gtid_mode")
                || lower.contains("binlog is disabled") || lower.contains("log_bin")
                || lower.contains("configuration is not valid")) {
            cause = UNSUPPORTED_CONFIG;
        } else {
            cause = CONNECTION;
        }
        return new ListenerDown(cause, firstLine(text));
    }

    private static String firstLine(String text) {
        String t = text.startsWith(" | ") ? text.substring(3) : text;
        int nl = t.indexOf('\n');
        t = nl > 0 ? t.substring(0, nl) : t;
        return t.length() > 500 ? t.substring(0, 500) : t;
    }
}
