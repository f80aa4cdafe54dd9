/**
 * Remediation: the closed set of typed commands that fix what the detectors find (contract
 * section 5), their proposal from firing alerts, their signature, and the opt-in executor.
 *
 * <p>Reads the alert transitions the {@link io.replsentinel.alerting.AlertDispatcher} emits
 * ({@link io.replsentinel.alerting.AlertTransition}, in-process on the node that evaluates the
 * cluster), the cluster's latest statuses from {@link io.replsentinel.rules.ClusterStates}, and
 * every record of {@code mysql.replication.commands} ({@link io.replsentinel.remediation.CommandBook},
 * on every node). Writes signed {@link io.replsentinel.remediation.RemediationCommand}s to that
 * topic, keyed by instance id. Nothing here connects to a server: only the executor, when switched
 * on, does, with the cluster's remediation account.
 *
 * <p>The flow: {@link io.replsentinel.remediation.CommandProposer} maps a firing alert to a command
 * ({@code Proposals}), with its exact SQL ({@link io.replsentinel.remediation.CommandSql}) and, for
 * SET_SERVER_ID, an id from {@link io.replsentinel.remediation.ServerIdAllocation}; the book signs
 * and publishes it; the executor hears of runnable ones by
 * {@link io.replsentinel.remediation.CommandRunnable}; every state change goes through
 * {@link io.replsentinel.remediation.CommandBook#record}, which signs and publishes it again.
 */
package io.replsentinel.remediation;
