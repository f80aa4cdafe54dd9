package io.replsentinel.event;

import java.time.Instant;

/**
 * The state of one binlog listener, published on every change and again every
 * {@code sentinel.binlog.state-interval}, so that the rules engine, which reads events and never
 * servers, knows whether the GTID stream of an instance can be trusted (see
 * {@code schemas/binlog-listener-state.v1.json}).
 *
 * @param state    {@code starting}, {@code running} or {@code down}
 * @param cause    when down: {@code privileges}, {@code unsupported_config}, {@code tagged_gtids},
 *                 {@code connection}, {@code falling_behind}
 * @param error    when down: what the listener or the server said
 * @param serverId the server_id the listener joined with
 * @param lagMillis how far behind its last transaction's commit the listener saw it, when known
 * @param sequence per listener, increasing with every state it publishes
 */
public record BinlogListenerState(
        int schemaVersion,
        String cluster,
        String instance,
        String state,
        String cause,
        String error,
        Long serverId,
        Instant since,
        Instant observedAt,
        Long lagMillis,
        long transactions,
        long sequence) {

    public static final int SCHEMA_VERSION = 1;
    public static final String STARTING = "starting";
    public static final String RUNNING = "running";
    public static final String DOWN = "down";

    public boolean down() {
        return DOWN.equals(state);
    }
}
