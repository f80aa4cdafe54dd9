/**
 * Remediation: the closed set of typed commands that fix what the detectors find (contract
 * section 5), their proposal from firing alerts, their signature, and the opt-in executor.
 *
 * <p>Reads alert transitions from the rules engine and commands from
 * {@code mysql.replication.commands}; writes {@link io.replsentinel.remediation.RemediationCommand}s
 * to that topic. Only the executor, when switched on, connects to a server with the cluster's
 * remediation account.
 */
package io.replsentinel.remediation;
