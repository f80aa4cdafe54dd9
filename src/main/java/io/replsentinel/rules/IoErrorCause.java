package io.replsentinel.rules;

import java.util.Locale;
import java.util.Set;

/** The {@code cause} label of ReplicationIoThreadStopped, from the receiver's last error. */
public final class IoErrorCause {

    public static final String AUTH = "auth";
    public static final String NETWORK = "network";
    public static final String SOURCE_LOG_PURGED = "source_log_purged";
    public static final String EQUAL_SERVER_ID = "equal_server_id";
    public static final String EQUAL_SERVER_UUID = "equal_server_uuid";
    public static final String OTHER = "other";

    /** Access denied, and the TLS/public-key refusals of caching_sha2_password. */
    private static final Set<Integer> AUTH_ERRORS = Set.of(1045, 1698, 2061, 1251, 3159);
    /** Cannot reach, lost or timed out talking to the source. */
    private static final Set<Integer> NETWORK_ERRORS =
            Set.of(2002, 2003, 2005, 2006, 2013, 2026, 1158, 1159, 1160, 1161, 1129, 1130);
    private static final int MYSQL_EQUAL_SERVER_ID = 13117;
    private static final int MARIADB_EQUAL_SERVER_ID = 1593;
    /** ER_MASTER_FATAL_ERROR_READING_BINLOG and MySQL 8's wrapper of it: the text says which. */
    private static final Set<Integer> FATAL_READING_BINLOG = Set.of(1236, 13114);

    private IoErrorCause() {
    }

    public static String of(int errno, String message) {
        if (AUTH_ERRORS.contains(errno)) {
            return AUTH;
        }
        if (NETWORK_ERRORS.contains(errno)) {
            return NETWORK;
        }
        if (errno == MYSQL_EQUAL_SERVER_ID || errno == MARIADB_EQUAL_SERVER_ID) {
            return EQUAL_SERVER_ID;
        }
        if (FATAL_READING_BINLOG.contains(errno)) {
            String m = message == null ? "" : message.toLowerCase(Locale.ROOT);
            if (m.contains("same server_uuid")) {
                return EQUAL_SERVER_UUID;
            }
            if (m.contains("purged") || m.contains("could not find gtid state")
                    || m.contains("could not find first log file") || m.isEmpty()) {
                return SOURCE_LOG_PURGED;
            }
            return OTHER;
        }
        return OTHER;
    }

    /** Errors a receiver cannot get past by retrying: the thread is as good as stopped. */
    public static boolean isTerminal(int errno, String message) {
        return AUTH.equals(of(errno, message));
    }
}
