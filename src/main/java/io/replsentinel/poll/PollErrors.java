package io.replsentinel.poll;

import io.replsentinel.event.PollError;

import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.sql.SQLException;
import java.sql.SQLTimeoutException;
import java.util.Set;

/** Classifies why a poll failed into the classes users route alerts on. */
public final class PollErrors {

    public static final String REFUSED = "refused";
    public static final String TIMEOUT = "timeout";
    public static final String AUTH = "auth";
    public static final String PRIVILEGES = "privileges";
    public static final String UNRESOLVABLE = "unresolvable";
    public static final String OTHER = "other";

    /** Access denied for user / plugin refusals at login. */
    private static final Set<Integer> AUTH_ERRORS = Set.of(1045, 1698, 2061, 1251, 1862);
    /** A statement the poller needs was denied to the monitoring user. */
    private static final Set<Integer> PRIVILEGE_ERRORS = Set.of(1044, 1142, 1143, 1227, 1370);

    private PollErrors() {
    }

    public static PollError classify(Throwable error) {
        Integer errno = null;
        if (error instanceof SQLException sql && sql.getErrorCode() != 0) {
            errno = sql.getErrorCode();
        }
        return new PollError(errorClass(error, errno), errno, message(error));
    }

    private static String errorClass(Throwable error, Integer errno) {
        if (errno != null && AUTH_ERRORS.contains(errno)) {
            return AUTH;
        }
        if (errno != null && PRIVILEGE_ERRORS.contains(errno)) {
            return PRIVILEGES;
        }
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof SocketTimeoutException || t instanceof SQLTimeoutException) {
                return TIMEOUT;
            }
            if (t instanceof UnknownHostException) {
                return UNRESOLVABLE;
            }
            if (t instanceof ConnectException || t instanceof NoRouteToHostException) {
                return REFUSED;
            }
        }
        return OTHER;
    }

    /** The driver's first line, which names the server error but never the password. */
    private static String message(Throwable error) {
        String m = error.getMessage();
        if (m == null) {
            return error.getClass().getSimpleName();
        }
        int newline = m.indexOf('\n');
        String first = newline < 0 ? m : m.substring(0, newline);
        Throwable root = error;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        if (root != error && root.getMessage() != null && !first.contains(root.getMessage())) {
            // "Communications link failure" alone does not say what failed: the socket's reason does
            first = first + ": " + root.getMessage();
        }
        return first.length() > 500 ? first.substring(0, 500) : first;
    }
}
