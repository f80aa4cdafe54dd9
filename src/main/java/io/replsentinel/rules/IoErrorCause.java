package io.replsentinel.rules;

import java.util.Locale;
import java.util.Set;

/**
 * The {@code cause} label of ReplicationIoThreadStopped, from the receiver's last error, and whether
 * a retry can ever get past that error. Numbers and texts are the servers' own (MySQL 8.4/9.x
 * {@code errmsg.sys} and MariaDB 10.11's): where one number covers several causes (1597/13120
 * "Source command %s failed: %s", 1236/13114 "Got fatal error %d from source..."), the text decides.
 */
public final class IoErrorCause {

    public static final String AUTH = "auth";
    public static final String NETWORK = "network";
    public static final String SOURCE_LOG_PURGED = "source_log_purged";
    public static final String EQUAL_SERVER_ID = "equal_server_id";
    public static final String EQUAL_SERVER_UUID = "equal_server_uuid";
    public static final String OTHER = "other";

    /**
     * Access denied (1045, 1698), the host not allowed by the source's accounts (1130), the client
     * refused the account's plugin (1251), and the TLS/public-key refusals of caching_sha2_password
     * (2061, 3159).
     */
    private static final Set<Integer> AUTH_ERRORS = Set.of(1045, 1698, 2061, 1251, 3159, 1130);
    /** Cannot reach, lost or timed out talking to the source. */
    private static final Set<Integer> NETWORK_ERRORS =
            Set.of(2002, 2003, 2005, 2006, 2013, 2026, 1158, 1159, 1160, 1161, 1129);
    /**
     * ER_SLAVE_MASTER_COM_FAILURE (MariaDB, and MySQL's 1000-range number) and MySQL 8's
     * ER_SERVER_SOURCE_COMMAND_FAILED: the source refused COM_REGISTER_SLAVE/REPLICA or
     * COM_BINLOG_DUMP. "Access denied" there means the replication user lost REPLICATION SLAVE;
     * any other text is a connection lost while registering, which a retry heals.
     */
    private static final Set<Integer> SOURCE_COMMAND_FAILED = Set.of(1597, 13120);
    /** ER_HOST_IS_BLOCKED: the source refuses the host until FLUSH HOSTS, whatever the retries. */
    private static final int HOST_BLOCKED = 1129;
    private static final int MYSQL_EQUAL_SERVER_ID = 13117;
    private static final int MARIADB_EQUAL_SERVER_ID = 1593;
    /** ER_MASTER_FATAL_ERROR_READING_BINLOG and MySQL 8's wrapper of it: the text says which. */
    private static final Set<Integer> FATAL_READING_BINLOG = Set.of(1236, 13114);

    private IoErrorCause() {
    }

    public static String of(int errno, String message) {
        String m = message == null ? "" : message.toLowerCase(Locale.ROOT);
        if (AUTH_ERRORS.contains(errno)) {
            return AUTH;
        }
        if (SOURCE_COMMAND_FAILED.contains(errno)) {
            return deniedToReplicationUser(m) ? AUTH : NETWORK;
        }
        if (NETWORK_ERRORS.contains(errno)) {
            return NETWORK;
        }
        if (errno == MYSQL_EQUAL_SERVER_ID || errno == MARIADB_EQUAL_SERVER_ID) {
            return EQUAL_SERVER_ID;
        }
        if (FATAL_READING_BINLOG.contains(errno)) {
            if (deniedToReplicationUser(m)) {
                return AUTH;
            }
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

    private static boolean deniedToReplicationUser(String lowerCaseMessage) {
        return lowerCaseMessage.contains("access denied");
    }

    /**
     * Errors a receiver cannot get past by retrying: the thread is as good as stopped. Every auth
     * cause (a grant or password must change on the source) and a blocked host (FLUSH HOSTS);
     * connection errors, which heal once the source is back, are not.
     */
    public static boolean isTerminal(int errno, String message) {
        return AUTH.equals(of(errno, message)) || errno == HOST_BLOCKED;
    }
}
