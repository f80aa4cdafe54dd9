/**
 * The rules engine's alert state in Kafka. Reads the compacted alert-state topic (one record per
 * cluster, keyed by cluster, on the partition of the cluster's statuses) when status partitions are
 * assigned to this node; writes a cluster's record whenever its alert lifecycle or its undelivered
 * changes change, and a tombstone once nothing is left. Nothing here decides anything: the
 * {@code rules} package says what the state is.
 */
package io.replsentinel.state;
