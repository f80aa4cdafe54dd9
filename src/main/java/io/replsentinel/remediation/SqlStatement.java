package io.replsentinel.remediation;

/**
 * One statement a command would run, and on which server, shown for review exactly as it runs.
 *
 * @param server instance id ({@code host:port}) the statement runs on, or {@code null} for a step
 *               the operator runs by hand (a runbook step)
 */
public record SqlStatement(String server, String statement) {
}
