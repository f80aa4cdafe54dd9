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
    /** ER_SECURE_TRANSPORT_REQUIRED: require_secure_transport=ON and the login had no TLS. */
    private static final int INSECURE_TRANSPORT = 3159;
    /** A statement the poller needs was denied to the monitoring user. */
    private static final Set<Integer> PRIVILEGE_ERRORS = Set.of(1044, 1142, 1143, 1227, 1370);

    private PollErrors() {
    }

    /** A statement was refused to the monitoring user for want of a privilege (not a failed login). */
    static boolean isPrivilegeError(SQLException e) {
        return PRIVILEGE_ERRORS.contains(e.getErrorCode());
    }

    public static PollError classify(Throwable error) {
        Integer errno = null;
        if (error instanceof SQLException sql && sql.getErrorCode() != 0) {
            errno = sql.getErrorCode();
        }
        String message = message(error);
        String hint = settingHint(error, errno);
        return new PollError(errorClass(error, errno), errno, hint == null ? message : message + " (" + hint + ")");
    }

    /**
     * When the server requires what a setting switched off, the setting to change: the default is
     * safe, so the first login of a MySQL account without TLS is where a user meets it.
     */
    private static String settingHint(Throwable error, Integer errno) {
        if (errno != null && errno == INSECURE_TRANSPORT) {
            return "the server requires TLS: set sentinel.poll.tls.mode to REQUIRED, VERIFY_CA or VERIFY_IDENTITY";
        }
        for (Throwable t : io.replsentinel.Causes.chain(error)) {
            String m = t.getMessage() == null ? "" : t.getMessage();
            if (m.contains("Public Key Retrieval is not allowed")) {
                return "caching_sha2_password without TLS needs the server's RSA key: give the server TLS and keep"
                        + " sentinel.poll.tls.mode at PREFERRED or stricter, or set sentinel.poll.allow-public-key-retrieval=true";
            }
            if (t instanceof javax.net.ssl.SSLException || t instanceof java.security.cert.CertificateException
                    || t instanceof java.security.cert.CertPathValidatorException) {
                return "TLS failed: check sentinel.poll.tls.mode and sentinel.poll.tls.ca-file";
            }
        }
        return null;
    }

    private static String errorClass(Throwable error, Integer errno) {
        if (errno != null && AUTH_ERRORS.contains(errno)) {
            return AUTH;
        }
        if (errno != null && errno == INSECURE_TRANSPORT) {
            return AUTH;
        }
        for (Throwable t : io.replsentinel.Causes.chain(error)) {
            if (t.getMessage() != null && t.getMessage().contains("Public Key Retrieval is not allowed")) {
                return AUTH;
            }
        }
        if (errno != null && PRIVILEGE_ERRORS.contains(errno)) {
            return PRIVILEGES;
        }
        for (Throwable t : io.replsentinel.Causes.chain(error)) {
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
        Throwable root = io.replsentinel.Causes.root(error);
        if (root != error && root.getMessage() != null && !first.contains(root.getMessage())) {
            // "Communications link failure" alone does not say what failed: the socket's reason does
            first = first + ": " + root.getMessage();
        }
        return first.length() > 500 ? first.substring(0, 500) : first;
    }
}
