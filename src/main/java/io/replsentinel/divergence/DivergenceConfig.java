package io.replsentinel.divergence;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import jakarta.validation.constraints.Min;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Settings of the online data checker ({@code sentinel.divergence}): what it reads, how fast, and
 * when it holds back. Off by default: it needs {@code SELECT} on the checked schemas, which a
 * replication monitor is usually not given.
 */
@ConfigMapping(prefix = "sentinel.divergence")
public interface DivergenceConfig {

    /** Turns the checker on: background scans of every included table and checks triggered by alerts. */
    @WithDefault("false")
    boolean enabled();

    /** Schemas to check; every non-system schema the monitoring user can read when absent. */
    Optional<List<String>> includeSchemas();

    /** Schemas never checked (on top of the system schemas, which never are). */
    Optional<List<String>> excludeSchemas();

    /** Tables ({@code schema.table}) to check; when given, only these (within the included schemas). */
    Optional<List<String>> includeTables();

    /** Tables ({@code schema.table}) never checked. */
    Optional<List<String>> excludeTables();

    /**
     * Target duration of one chunk's checksum query: the chunk's row count is adapted after each
     * chunk so that the query takes about this long (like pt-table-checksum's {@code --chunk-time}).
     */
    @WithDefault("500ms")
    Duration chunkTime();

    /**
     * How rows are hashed on the server: {@code crc32} (CRC32 per row, as cheap as pt-table-checksum's)
     * or {@code sha2} (64 bits of SHA-256 per row: fewer collisions, more CPU). Both flavors have both.
     */
    @WithDefault("crc32")
    RowHash hash();

    /** Rows in the first chunk of a table, before the adaptation has measured anything. */
    @WithDefault("1000")
    @Min(1)
    int initialChunkRows();

    /** Fewest rows in a chunk. */
    @WithDefault("100")
    @Min(1)
    int minChunkRows();

    /**
     * Most rows in a chunk, whatever the timing says: bounds the work one query can do, and what a
     * chunk that differs costs to confirm and narrow down (each confirmation reads it again).
     */
    @WithDefault("50000")
    @Min(1)
    int maxChunkRows();

    /** Ceiling on rows checked per second on each source (0: no ceiling, only the chunk time paces it). */
    @WithDefault("0")
    @Min(0)
    long rowsPerSecond();

    /** The scan pauses while any checked replica lags more than this (seconds behind its source). */
    @WithDefault("30s")
    Duration maxReplicaLag();

    /** The scan pauses while the source's {@code Threads_running} is above this. */
    @WithDefault("40")
    @Min(1)
    int maxThreadsRunning();

    /** How long a pause lasts before the thresholds are read again. */
    @WithDefault("5s")
    Duration pauseFor();

    /** Pause between the end of one background pass over every table and the start of the next. */
    @WithDefault("1h")
    Duration scanInterval();

    /** How often ranges found diverged are checked again, so that a repair resolves the alert. */
    @WithDefault("30s")
    Duration recheckInterval();

    /** Longest wait for a replica to reach the source's GTID fence before a comparison is given up (and retried later). */
    @WithDefault("5s")
    Duration fenceTimeout();

    /**
     * How many times each differing leaf of a chunk (at most {@code leaf-rows} rows, found by narrowing
     * the chunk) is compared again before it is called diverged; each time the source's checksum of
     * the leaf must be unchanged and the replica's must still differ.
     */
    @WithDefault("3")
    @Min(1)
    int confirmations();

    /**
     * First pause before a differing chunk is compared again after a round in which the source's
     * rows of the range changed; doubles on each further such round. While they stay unchanged the
     * rounds run back to back: the GTID fence already lets the replica catch up, and what confirms a
     * difference is the order of the fenced reads, not the pause (see {@code ChunkComparer}), so
     * waiting would only leave both servers idle. The pause is for a busy range, to settle before
     * the rounds run out and it is left undecided.
     */
    @WithDefault("50ms")
    Duration recheckBackoff();

    /**
     * How long a background pass holds back a new finding on a replica whose applier (SQL thread)
     * stopped or started within this long, before it reports it: an applier stopped on a duplicate key
     * or a missing row and then skipped past is what the {@code ReplicationSqlThreadStopped} alert asks
     * a check of that table for, and that check reports the rows as found by it, with the alert that
     * asked. The window covers the alert's way to the checker; once it is over, a finding no check
     * claimed is compared again and reported as the pass's. 0 turns the hold off.
     */
    @WithDefault("10s")
    Duration applierChangeHold();

    /** A range at most this many rows is compared row by row when narrowing a differing chunk. */
    @WithDefault("64")
    @Min(1)
    int leafRows();

    /** Most differing rows named per finding; beyond it the finding says how many more were seen. */
    @WithDefault("20")
    @Min(1)
    int maxReportedRows();

    /**
     * Put key values (range bounds, primary keys of differing rows) into findings and alerts. Off by
     * default: keys can be personal data; findings then carry counts and a hash of the keys.
     */
    @WithDefault("false")
    boolean reportKeyValues();

    /** Per-query timeout on the checker's own connections. */
    @WithDefault("60s")
    Duration queryTimeout();

    /** Topic the checker's findings go to, keyed by cluster. */
    @WithDefault("mysql.replication.divergence")
    String topic();
}
