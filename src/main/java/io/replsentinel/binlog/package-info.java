/**
 * Binlog listeners: one Debezium embedded engine per watched instance, reading the instance's
 * binlog as a replication client with a server_id of its own.
 *
 * <p>Reads: each instance's binlog (MySQL {@code MySqlConnector}, MariaDB {@code MariaDbConnector}),
 * a few read-only variables before each start ({@link io.replsentinel.binlog.Preflight}), and the
 * server_ids the pollers saw ({@link io.replsentinel.binlog.ServerIdRegistry}). Writes: one
 * {@link io.replsentinel.event.GtidEvent} per committed transaction to {@code mysql.replication.gtid},
 * each listener's {@link io.replsentinel.event.BinlogListenerState} to {@code mysql.replication.listeners},
 * and its offsets and schema history to files under {@code sentinel.binlog.data-dir}. Nothing is
 * ever written to a watched server, and row values never leave this package: only counts and digests.
 */
package io.replsentinel.binlog;
