package io.replsentinel.binlog;

import io.replsentinel.event.GtidEvent;
import io.replsentinel.inventory.WatchedInstance;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Folds one listener's Debezium records (transaction BEGIN, row changes, END) into one
 * {@link GtidEvent} per committed transaction. Not thread-safe: the listener's single record
 * thread owns it.
 * <p>
 * A transaction is published once: after the binlog client reconnects it may replay a
 * transaction it had already delivered, so GTIDs published lately are remembered and skipped, and
 * rows that arrive without their BEGIN (a stream resumed inside a transaction) are dropped with it.
 */
final class TransactionAssembler {

    private static final int REMEMBERED = 50_000;

    private final WatchedInstance instance;
    private final String flavor;
    private final boolean keyValues;
    private final Clock clock;
    private final Consumer<GtidEvent> out;
    private final CommitTimestamps commitTimes;
    private final LinkedHashSet<String> recent = new LinkedHashSet<>();
    private Open open;
    private long sequence;
    private long duplicates;

    TransactionAssembler(WatchedInstance instance, String flavor, boolean keyValues, Clock clock, Consumer<GtidEvent> out) {
        this(instance, flavor, keyValues, clock, out, null);
    }

    TransactionAssembler(WatchedInstance instance, String flavor, boolean keyValues, Clock clock, Consumer<GtidEvent> out,
                         CommitTimestamps commitTimes) {
        this.commitTimes = commitTimes;
        this.instance = instance;
        this.flavor = flavor;
        this.keyValues = keyValues;
        this.clock = clock;
        this.out = out;
    }

    void accept(SourceRecord record) {
        if (!(record.value() instanceof Struct value)) {
            return; // tombstones and heartbeats carry no transaction
        }
        if (record.topic().endsWith(".transaction") && value.schema().field("status") != null) {
            String status = value.getString("status");
            if ("BEGIN".equals(status)) {
                open = new Open(value.getString("id"));
            } else if ("END".equals(status)) {
                end(value.getString("id"), record.sourceOffset());
            }
            return;
        }
        if (value.schema().field("op") == null || value.schema().field("source") == null) {
            return; // schema change or other non-row record
        }
        Struct source = value.getStruct("source");
        String gtid = gtidOf(source);
        if (open == null || (gtid != null && open.id != null && !open.id.equals(gtid))) {
            return; // rows of a transaction whose BEGIN this stream did not see
        }
        open.row(source, value, record.key());
    }

    /** A new engine streams from its offsets: a transaction left open by the old one will not end. */
    void restart() {
        open = null;
    }

    long duplicates() {
        return duplicates;
    }

    private void end(String id, Map<String, ?> offset) {
        Open t = open;
        open = null;
        if (t == null || (id != null && t.id != null && !id.equals(t.id))) {
            return;
        }
        String gtid = normalise(t.gtid != null ? t.gtid : id);
        if (gtid == null || !recent.add(gtid)) {
            duplicates++;
            return;
        }
        if (recent.size() > REMEMBERED) {
            recent.remove(recent.iterator().next());
        }
        if (t.file == null && offset != null) {
            // an empty transaction has no row to say where it is: the END's offset does
            t.file = offset.get("file") instanceof String f ? f : null;
            t.position = offset.get("pos") instanceof Number p ? p.longValue() : null;
        }
        if (t.serverId == null && offset != null && offset.get("server_id") instanceof Number sid) {
            t.serverId = sid.longValue();
        }
        if (commitTimes != null) {
            commitTimes.take(gtid).ifPresent(times -> {
                if (times.original() != null) {
                    t.originalCommitAt = times.original();
                }
                t.immediateCommitAt = times.immediate();
            });
        }
        out.accept(t.event(gtid, ++sequence));
    }

    /** MySQL prints multi-line sets and upper/lower case alike; a GTID's text is its identity. */
    private static String normalise(String gtid) {
        return gtid == null ? null : gtid.trim().toLowerCase();
    }

    private static String gtidOf(Struct source) {
        return source.schema().field("gtid") == null ? null : source.getString("gtid");
    }

    private static Object get(Struct s, String name) {
        Field f = s.schema().field(name);
        return f == null ? null : s.get(f);
    }

    /** The transaction being read. */
    private final class Open {
        final String id;
        String gtid;
        Long serverId;
        Instant originalCommitAt;
        /** MySQL: when this instance committed it, from its GTID event; null where the client did not see it. */
        Instant immediateCommitAt;
        String file;
        Long position;
        final RowsDigest digest = new RowsDigest();
        final Map<String, long[]> tables = new LinkedHashMap<>();
        final List<String> keys = new ArrayList<>();
        long rows;

        Open(String id) {
            this.id = id;
        }

        void row(Struct source, Struct value, Object key) {
            if (gtid == null) {
                gtid = gtidOf(source);
                serverId = get(source, "server_id") instanceof Number n ? n.longValue() : null;
                Object tsUs = get(source, "ts_us");
                if ("mysql".equals(flavor) && tsUs instanceof Number us) {
                    // MySQL's source.ts_us is the originating server's original_commit_timestamp
                    originalCommitAt = Instant.EPOCH.plusNanos(us.longValue() * 1_000);
                }
                file = (String) get(source, "file");
                position = get(source, "pos") instanceof Number p ? p.longValue() : null;
            }
            String table = get(source, "db") + "." + get(source, "table");
            String op = value.getString("op");
            digest.row(table, op, (Struct) get(value, "before"), (Struct) get(value, "after"));
            long[] counts = tables.computeIfAbsent(table, k -> new long[3]);
            switch (op) {
                case "c" -> counts[0]++;
                case "u" -> counts[1]++;
                case "d" -> counts[2]++;
                default -> { }
            }
            rows++;
            if (keyValues && key instanceof Struct k) {
                StringBuilder b = new StringBuilder(table).append(':');
                for (Field f : k.schema().fields()) {
                    b.append(f.name()).append('=').append(k.get(f)).append(';');
                }
                keys.add(b.toString());
            }
        }

        GtidEvent event(String gtidText, long seq) {
            String uuid = null;
            Long domain = null;
            Long origin = serverId;
            if ("mariadb".equals(flavor)) {
                String[] parts = gtidText.split("-");
                if (parts.length == 3) {
                    domain = Long.parseLong(parts[0]);
                    origin = Long.parseLong(parts[1]);
                }
            } else {
                int colon = gtidText.indexOf(':');
                uuid = colon > 0 ? gtidText.substring(0, colon) : null;
            }
            List<GtidEvent.TableRows> rowsByTable = new ArrayList<>();
            tables.forEach((t, c) -> rowsByTable.add(new GtidEvent.TableRows(t, c[0], c[1], c[2])));
            return new GtidEvent(GtidEvent.SCHEMA_VERSION, instance.cluster(), instance.id(), flavor, gtidText,
                    uuid, domain, origin, originalCommitAt, immediateCommitAt, clock.instant(), file, position,
                    rowsByTable, rows, rows == 0 ? GtidEvent.EMPTY_DIGEST : digest.hex(),
                    keyValues ? keys : null, seq);
        }
    }
}
