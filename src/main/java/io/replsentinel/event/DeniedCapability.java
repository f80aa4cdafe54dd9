package io.replsentinel.event;

/**
 * One check the poller switched off on an instance because the monitoring user may not run its
 * statement: carried on the status so the rules engine can say what is lost and how to fix it.
 *
 * @param capability what the statement feeds, e.g. {@code replica_hosts}; also listed in the
 *                   status's {@code missingPrivileges}
 * @param privilege  the privilege that allows it, as the flavor names it, e.g. {@code REPLICATION SLAVE}
 * @param statement  the statement that was denied
 * @param errno      the server's error number (1227, 1142, 1044...)
 * @param error      the server's message
 * @param lost       which detections the missing data weakens
 * @param grant      the statement to run on the instance to give it back
 */
public record DeniedCapability(String capability, String privilege, String statement, Integer errno, String error,
                               String lost, String grant) {
}
