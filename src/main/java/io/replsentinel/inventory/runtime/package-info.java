/**
 * Runtime clusters: those added and removed through the API, kept in the compacted inventory topic
 * ({@code mysql.replication.inventory}, keyed by cluster, a tombstone on removal) so that every node
 * watches the same fleet and it survives restarts.
 *
 * <p>Reads: the inventory topic, all of it, on every node (no consumer group): to its end before
 * polling starts, then as it grows. Writes: the definitions the API accepts, with CloudEvents headers,
 * their passwords sealed with AES-GCM ({@code sentinel.runtime-clusters.encryption-key}); records it
 * cannot read to the dead-letter topic; and each change into {@link io.replsentinel.inventory.Inventory},
 * which announces it as {@link io.replsentinel.inventory.InventoryChanged}.
 */
package io.replsentinel.inventory.runtime;
