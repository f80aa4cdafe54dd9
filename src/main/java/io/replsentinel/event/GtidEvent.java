package io.replsentinel.event;

import java.time.Instant;
import java.util.List;

/**
 * One committed transaction as one instance's binlog holds it: what a binlog listener publishes to
 * the GTID topic and what the stream detectors read back. Row values never appear: only counts per
 * table and operation and {@link #rowsDigest}, a hash of the row images in binlog order that is equal
 * on every instance that applied the same rows (see {@code schemas/gtid-event.v1.json}).
 *
 * @param gtid              as the flavor writes it: {@code uuid:n} (MySQL) or {@code domain-server-seq} (MariaDB)
 * @param originServerUuid  MySQL: the server that first committed it (the GTID's uuid)
 * @param originDomainId    MariaDB: the GTID's domain
 * @param originServerId    the server_id of the server that first committed it (both flavors)
 * @param originalCommitAt  MySQL: when the originating server committed it ({@code original_commit_timestamp})
 * @param immediateCommitAt when this instance committed it, where its binlog says so
 * @param seenAt            when the listener saw the transaction's end
 * @param rowsDigest        {@code sha256:} + hex; {@link #EMPTY_DIGEST} for a transaction without rows
 * @param keys              primary-key values per row, only when {@code sentinel.binlog.key-values} allows it
 * @param sequence          per listener, increasing with every event it publishes
 */
public record GtidEvent(
        int schemaVersion,
        String cluster,
        String instance,
        String flavor,
        String gtid,
        String originServerUuid,
        Long originDomainId,
        Long originServerId,
        Instant originalCommitAt,
        Instant immediateCommitAt,
        Instant seenAt,
        String binlogFile,
        Long binlogPosition,
        List<TableRows> tables,
        long rowCount,
        String rowsDigest,
        List<String> keys,
        long sequence) {

    public static final int SCHEMA_VERSION = 1;

    /** SHA-256 of zero bytes: the digest of a transaction that changed no row (an injected empty transaction). */
    public static final String EMPTY_DIGEST = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    public GtidEvent {
        tables = tables == null ? List.of() : List.copyOf(tables);
        keys = keys == null ? null : List.copyOf(keys);
    }

    public boolean empty() {
        return rowCount == 0;
    }

    /** Rows one transaction changed in one table, by operation. */
    public record TableRows(String table, long inserted, long updated, long deleted) {
        public long total() {
            return inserted + updated + deleted;
        }
    }
}
