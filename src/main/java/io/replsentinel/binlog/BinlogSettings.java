package io.replsentinel.binlog;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The binlog listeners: one Debezium embedded engine per watched instance, publishing every
 * committed transaction as a {@code GtidEvent}. On for every cluster unless
 * {@code sentinel.clusters.<name>.binlog-listener=false}.
 */
@ConfigMapping(prefix = "sentinel.binlog")
public interface BinlogSettings {

    /** Listeners for every cluster that does not switch them off itself. */
    @WithDefault("true")
    boolean enabled();

    /**
     * Lowest server_id a listener may join with. Each listener needs an id no server and no other
     * replication client of its topology uses (a clash knocks a real replica off, error 1236): ids
     * are taken from this range, skipping every id the pollers have seen.
     */
    @WithDefault("4200000000")
    @Min(1)
    @Max(4294967295L)
    long serverIdMin();

    /** Highest server_id a listener may join with. */
    @WithDefault("4200009999")
    @Min(1)
    @Max(4294967295L)
    long serverIdMax();

    /**
     * How long a listener waits for the pollers to report every instance of its cluster before it
     * picks a server_id: the ids of a topology are only known once each instance has been polled.
     */
    @WithDefault("15s")
    Duration serverIdWait();

    /** Tables to follow ({@code schema.table} regular expressions, Debezium's {@code table.include.list}); all when absent. */
    Optional<List<String>> tableInclude();

    /** Tables to leave out ({@code table.exclude.list}). */
    Optional<List<String>> tableExclude();

    /**
     * Put the primary-key values of the changed rows into each GtidEvent. Off by default: keys can be
     * personal data, and counts and digests are enough to compare instances.
     */
    @WithDefault("false")
    boolean keyValues();

    /**
     * Where each listener keeps its binlog offsets and schema history ({@code <dir>/<cluster>/<host>_<port>/}),
     * so a restarted service resumes where it stopped.
     */
    @WithDefault("data/binlog")
    String dataDir();

    /** A listener's state is re-published this often even when unchanged, so a restarted engine learns it. */
    @WithDefault("10s")
    Duration stateInterval();

    /** Wait before a failed listener is started again (doubling up to ten times this). */
    @WithDefault("2s")
    Duration restartBackoff();

    /**
     * How often the binlog client checks its connection and reconnects after losing it (Debezium's
     * {@code connect.keep.alive.interval.ms}).
     */
    @WithDefault("1s")
    Duration keepAliveInterval();

    /**
     * A listener whose binlog reader trails its server's binlog end by more than this many bytes is
     * {@code falling_behind} (BinlogListenerDown), until it is back within it. Bytes, not seconds:
     * an idle server writes nothing, so time since the last transaction says nothing about keeping up.
     * At the lab's write rates a listener keeping up is a few KiB behind at most.
     */
    @WithDefault("67108864")
    @Min(1)
    long fallingBehindBytes();

    /**
     * How often a running listener asks its server where the binlog ends and whether it can still be
     * streamed ({@code binlog_format}, {@code binlog_row_image}, tagged GTIDs): one short read-only
     * connection per listener per interval.
     */
    @WithDefault("5s")
    Duration positionCheckInterval();

    /**
     * Extra Debezium connector properties, e.g. {@code sentinel.binlog.debezium."database.ssl.mode"=required}.
     * They override the listener's own.
     */
    java.util.Map<String, String> debezium();
}
