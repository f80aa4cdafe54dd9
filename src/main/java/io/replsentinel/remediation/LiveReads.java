package io.replsentinel.remediation;

import io.replsentinel.inventory.SentinelConfig;

import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The remediation account's fresh connections of one attempt, one per server, opened on first use
 * and closed with the attempt: the instances are read once each, as they are right before acting.
 */
final class LiveReads implements AutoCloseable {

    private final RemediationAccounts.Account account;
    private final SentinelConfig.Poll poll;
    private final ExecutorConnectionConfig timeouts;
    private final Map<String, RemediationSession> sessions = new LinkedHashMap<>();
    private final Map<String, LiveInstance> read = new LinkedHashMap<>();

    LiveReads(RemediationAccounts.Account account, SentinelConfig.Poll poll, ExecutorConnectionConfig timeouts) {
        this.account = account;
        this.poll = poll;
        this.timeouts = timeouts;
    }

    /** The instance as it is now (read once per attempt). */
    LiveInstance instance(String id) throws SQLException {
        LiveInstance live = read.get(id);
        if (live == null) {
            live = session(id).read();
            read.put(id, live);
        }
        return live;
    }

    /** The attempt's connection to {@code id}. */
    RemediationSession session(String id) throws SQLException {
        RemediationSession s = sessions.get(id);
        if (s == null) {
            s = RemediationSession.open(id, account, poll, timeouts);
            sessions.put(id, s);
        }
        return s;
    }

    /** A connection of its own for running statements: session state such as GTID_NEXT never leaks into reads. */
    RemediationSession fresh(String id) throws SQLException {
        return RemediationSession.open(id, account, poll, timeouts);
    }

    @Override
    public void close() {
        sessions.values().forEach(RemediationSession::close);
        sessions.clear();
    }
}
