/**
 * Sharing one fleet between several service nodes, on by default ({@code sentinel.fleet.enabled}): a
 * node alone owns every partition. The rules engine's consumer group on the status topic assigns
 * status partitions to nodes; a cluster belongs to the node that owns the partition
 * its status records go to, so polling, binlog listening, rules and alert state move together.
 *
 * <p>Reads: the status consumer's partition assignments and group generation (through
 * {@link io.replsentinel.rules.StatusPartitions}), the inventory and its runtime changes, and, for the
 * fleet-wide read model, without a group, the status partitions other nodes own, the alert-state and
 * the alerts topics. Writes: nothing to Kafka or to any server; it tells the pollers and binlog
 * listeners which clusters to work and under which ownership generation, and the rules engine how
 * often a firing alert's fresher evidence goes to the alert-state topic ({@link EvidenceRefresh}).
 */
package io.replsentinel.fleet;
