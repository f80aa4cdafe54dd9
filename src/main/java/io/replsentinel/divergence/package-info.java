/**
 * The online data checker: finds rows that differ between a source and its replicas while both
 * take writes, without a lock and without writing anything.
 * <p>
 * Reads: the inventory; on each watched server, with the monitoring account's {@code SELECT} on the
 * checked schemas, {@code information_schema}, chunk checksums, {@code gtid_executed} /
 * {@code gtid_binlog_pos}, {@code WAIT_FOR_EXECUTED_GTID_SET} / {@code MASTER_GTID_WAIT} on replicas,
 * replica status, each replica's applier threads ({@code performance_schema.threads} on MySQL, the
 * process list on MariaDB, which the monitoring account already reads) and {@code Threads_running};
 * the alerts topic (checks triggered by alerts); the GTID
 * topic, where binlog listeners run (which tables and rows transactions touched: hot ranges and the
 * GTIDs that last touched a differing row).
 * <p>
 * Writes: {@link io.replsentinel.event.DivergenceFinding} events to the divergence topic, keyed by
 * cluster; metrics {@code sentinel_divergence_*}. Never writes to a watched server and never stops
 * or pauses replication.
 */
package io.replsentinel.divergence;
