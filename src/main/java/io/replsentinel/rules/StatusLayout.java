package io.replsentinel.rules;

import io.replsentinel.event.ChannelStatus;
import io.replsentinel.event.DeniedCapability;
import io.replsentinel.event.PollError;
import io.replsentinel.event.PollerIdentity;
import io.replsentinel.event.ReplicaHost;
import io.replsentinel.event.ReplicationStatus;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a status record's bytes laid out exactly as the pollers' mapper writes them: every field of
 * the record in its component order, none left out, no white space, strings of printable ASCII with
 * no escape, integers with no sign but a leading minus, instants as {@link StatusJson} reads them.
 * That is nearly every record the engine consumes, and this read walks its bytes once, matching
 * each field name as a fixed byte sequence and each value against the instance's previous status
 * (compared as bytes, no string made for an equal value), where Jackson's parser set up, tokenized
 * and looked up names per record. Any other byte anywhere (another order, a field missing or added,
 * white space, an escape, a number Jackson would read as a float or a big integer) gets {@code null},
 * and the {@link StatusReader} reads the record with {@link StatusJson} (then the general read), so a
 * record read here is the status those read, and a record refused is refused with their reason.
 */
final class StatusLayout {

    /** Not the pollers' exact layout: the streaming reader takes over. */
    private static final class Off extends Exception {
        Off() {
            super(null, null, false, false);
        }
    }

    private static final Off OFF = new Off();

    private static final ThreadLocal<char[][]> SCRATCH = ThreadLocal.withInitial(() -> new char[][] {new char[512]});

    private StatusLayout() {
    }

    /** The status, or null when the bytes are not exactly in the pollers' layout. */
    static ReplicationStatus read(byte[] value, StatusJson.Previous previous) {
        try {
            return new Cursor(value, previous).status();
        } catch (Off | RuntimeException e) {
            return null;
        }
    }

    private static byte[] name(String field, boolean first) {
        return ((first ? "{\"" : ",\"") + field + "\":").getBytes(StandardCharsets.US_ASCII);
    }

    // the status's fields, in the record's component order
    private static final byte[] SCHEMA_VERSION = name("schemaVersion", true);
    private static final byte[] CLUSTER = name("cluster", false);
    private static final byte[] INSTANCE = name("instance", false);
    private static final byte[] OBSERVED_AT = name("observedAt", false);
    private static final byte[] POLL_MILLIS = name("pollMillis", false);
    private static final byte[] REACHABLE = name("reachable", false);
    private static final byte[] ERROR = name("error", false);
    private static final byte[] FLAVOR = name("flavor", false);
    private static final byte[] VERSION = name("version", false);
    private static final byte[] SERVER_ID = name("serverId", false);
    private static final byte[] SERVER_UUID = name("serverUuid", false);
    private static final byte[] READ_ONLY = name("readOnly", false);
    private static final byte[] SUPER_READ_ONLY = name("superReadOnly", false);
    private static final byte[] GTID_MODE = name("gtidMode", false);
    private static final byte[] GTID_EXECUTED = name("gtidExecuted", false);
    private static final byte[] BINLOG_FORMAT = name("binlogFormat", false);
    private static final byte[] LOG_REPLICA_UPDATES = name("logReplicaUpdates", false);
    private static final byte[] CHANNELS = name("channels", false);
    private static final byte[] REPLICAS = name("replicas", false);
    private static final byte[] HEARTBEAT_LAG_MILLIS = name("heartbeatLagMillis", false);
    private static final byte[] EXPECTED_ROLE = name("expectedRole", false);
    private static final byte[] LABELS = name("labels", false);
    private static final byte[] ENFORCE_GTID_CONSISTENCY = name("enforceGtidConsistency", false);
    private static final byte[] BINLOG_ROW_IMAGE = name("binlogRowImage", false);
    private static final byte[] GTID_STRICT_MODE = name("gtidStrictMode", false);
    private static final byte[] GTID_BINLOG_STATE = name("gtidBinlogState", false);
    private static final byte[] BINLOG_DUMP_THREADS = name("binlogDumpThreads", false);
    private static final byte[] ADDRESSES = name("addresses", false);
    private static final byte[] SEQUENCE = name("sequence", false);
    private static final byte[] POLLER = name("poller", false);
    private static final byte[] MISSING_PRIVILEGES = name("missingPrivileges", false);
    private static final byte[] DENIED_CAPABILITIES = name("deniedCapabilities", false);

    // a channel's
    private static final byte[] CH_NAME = name("name", true);
    private static final byte[] CH_SOURCE_HOST = name("sourceHost", false);
    private static final byte[] CH_SOURCE_PORT = name("sourcePort", false);
    private static final byte[] CH_SOURCE_SERVER_ID = name("sourceServerId", false);
    private static final byte[] CH_SOURCE_UUID = name("sourceUuid", false);
    private static final byte[] CH_IO_STATE = name("ioState", false);
    private static final byte[] CH_SQL_STATE = name("sqlState", false);
    private static final byte[] CH_LAST_IO_ERRNO = name("lastIoErrno", false);
    private static final byte[] CH_LAST_IO_ERROR = name("lastIoError", false);
    private static final byte[] CH_LAST_IO_ERROR_AT = name("lastIoErrorAt", false);
    private static final byte[] CH_LAST_SQL_ERRNO = name("lastSqlErrno", false);
    private static final byte[] CH_LAST_SQL_ERROR = name("lastSqlError", false);
    private static final byte[] CH_LAST_SQL_ERROR_AT = name("lastSqlErrorAt", false);
    private static final byte[] CH_LAST_SQL_COORDINATOR_ERROR = name("lastSqlCoordinatorError", false);
    private static final byte[] CH_SECONDS_BEHIND_SOURCE = name("secondsBehindSource", false);
    private static final byte[] CH_RETRIEVED_GTID_SET = name("retrievedGtidSet", false);
    private static final byte[] CH_EXECUTED_GTID_SET = name("executedGtidSet", false);
    private static final byte[] CH_AUTO_POSITION = name("autoPosition", false);
    private static final byte[] CH_SQL_DELAY_SECONDS = name("sqlDelaySeconds", false);
    private static final byte[] CH_SOURCE_ADDRESSES = name("sourceAddresses", false);
    private static final byte[] CH_SOURCE_RESOLVABLE = name("sourceResolvable", false);

    // a replica host's
    private static final byte[] R_SERVER_ID = name("serverId", true);
    private static final byte[] R_HOST = name("host", false);
    private static final byte[] R_PORT = name("port", false);
    private static final byte[] R_UUID = name("uuid", false);

    // a poll error's, a poller's, a denied capability's
    private static final byte[] E_CLASS = name("class", true);
    private static final byte[] E_ERRNO = name("errno", false);
    private static final byte[] E_MESSAGE = name("message", false);
    private static final byte[] P_NODE = name("node", true);
    private static final byte[] P_GENERATION = name("generation", false);
    private static final byte[] P_EPOCH = name("epoch", false);
    private static final byte[] D_CAPABILITY = name("capability", true);
    private static final byte[] D_PRIVILEGE = name("privilege", false);
    private static final byte[] D_STATEMENT = name("statement", false);
    private static final byte[] D_ERRNO = name("errno", false);
    private static final byte[] D_ERROR = name("error", false);
    private static final byte[] D_LOST = name("lost", false);
    private static final byte[] D_GRANT = name("grant", false);

    private static final byte[] NULL = "null".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] TRUE = "true".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] FALSE = "false".getBytes(StandardCharsets.US_ASCII);
    private static final int MAX_LABELS = 32;

    /** One record's read: the bytes, the position in them, and the instance's previous status once known. */
    private static final class Cursor {
        private final byte[] b;
        private final StatusJson.Previous previous;
        private int at;
        /** A buffer of this thread's to copy a previous value's text into, to compare it with the bytes. */
        private char[] scratch;

        Cursor(byte[] b, StatusJson.Previous previous) {
            this.b = b;
            this.previous = previous;
        }

        ReplicationStatus status() throws Off {
            field(SCHEMA_VERSION);
            expect(primitiveLong() == ReplicationStatus.SCHEMA_VERSION);
            field(CLUSTER);
            String cluster = string(null);
            field(INSTANCE);
            String instance = string(null);
            expect(present(cluster) && present(instance));
            ReplicationStatus v = previous.of(cluster, instance);
            if (v != null) {
                // the view's own strings: their hashes are cached, and the comparisons that follow are identities
                cluster = cluster.equals(v.cluster()) ? v.cluster() : cluster;
                instance = instance.equals(v.instance()) ? v.instance() : instance;
            }
            boolean w = v != null;
            field(OBSERVED_AT);
            Instant observedAt = instant(w ? v.observedAt() : null);
            expect(observedAt != null);
            field(POLL_MILLIS);
            long pollMillis = primitiveLong();
            field(REACHABLE);
            Boolean reachable = bool();
            expect(reachable != null);
            field(ERROR);
            PollError error = error(w ? v.error() : null);
            field(FLAVOR);
            String flavor = string(w ? v.flavor() : null);
            field(VERSION);
            String version = string(w ? v.version() : null);
            field(SERVER_ID);
            Long serverId = boxedLong(w ? v.serverId() : null);
            field(SERVER_UUID);
            String serverUuid = string(w ? v.serverUuid() : null);
            field(READ_ONLY);
            Boolean readOnly = bool();
            field(SUPER_READ_ONLY);
            Boolean superReadOnly = bool();
            field(GTID_MODE);
            String gtidMode = string(w ? v.gtidMode() : null);
            field(GTID_EXECUTED);
            String gtidExecuted = string(w ? v.gtidExecuted() : null);
            field(BINLOG_FORMAT);
            String binlogFormat = string(w ? v.binlogFormat() : null);
            field(LOG_REPLICA_UPDATES);
            Boolean logReplicaUpdates = bool();
            field(CHANNELS);
            List<ChannelStatus> channels = channels(w ? v.channels() : List.of());
            field(REPLICAS);
            List<ReplicaHost> replicas = replicas(w ? v.replicas() : List.of());
            field(HEARTBEAT_LAG_MILLIS);
            Long heartbeatLagMillis = boxedLong(w ? v.heartbeatLagMillis() : null);
            field(EXPECTED_ROLE);
            String expectedRole = string(w ? v.expectedRole() : null);
            field(LABELS);
            Map<String, String> labels = labels(w ? v.labels() : Map.of());
            field(ENFORCE_GTID_CONSISTENCY);
            String enforceGtidConsistency = string(w ? v.enforceGtidConsistency() : null);
            field(BINLOG_ROW_IMAGE);
            String binlogRowImage = string(w ? v.binlogRowImage() : null);
            field(GTID_STRICT_MODE);
            Boolean gtidStrictMode = bool();
            field(GTID_BINLOG_STATE);
            String gtidBinlogState = string(w ? v.gtidBinlogState() : null);
            field(BINLOG_DUMP_THREADS);
            Integer binlogDumpThreads = boxedInt(w ? v.binlogDumpThreads() : null);
            field(ADDRESSES);
            List<String> addresses = strings(w ? v.addresses() : List.of());
            field(SEQUENCE);
            long sequence = primitiveLong();
            field(POLLER);
            PollerIdentity poller = poller(w ? v.poller() : null);
            field(MISSING_PRIVILEGES);
            List<String> missingPrivileges = strings(w ? v.missingPrivileges() : List.of());
            field(DENIED_CAPABILITIES);
            List<DeniedCapability> denied = denied(w ? v.deniedCapabilities() : List.of());
            expect(at == b.length - 1 && b[at] == '}');
            return new ReplicationStatus(ReplicationStatus.SCHEMA_VERSION, cluster, instance, observedAt, pollMillis,
                    reachable, error, flavor, version, serverId, serverUuid, readOnly, superReadOnly, gtidMode,
                    gtidExecuted, binlogFormat, logReplicaUpdates, channels, replicas, heartbeatLagMillis, expectedRole,
                    labels, enforceGtidConsistency, binlogRowImage, gtidStrictMode, gtidBinlogState, binlogDumpThreads,
                    addresses, sequence, poller, missingPrivileges, denied);
        }

        /** The bytes at the position are {@code name} (the separator, the quoted name, the colon): skips them. */
        private void field(byte[] name) throws Off {
            int end = at + name.length;
            expect(end <= b.length && Arrays.equals(b, at, end, name, 0, name.length));
            at = end;
        }

        /** Skips {@code literal} if the bytes at the position are it. */
        private boolean literal(byte[] literal) {
            int end = at + literal.length;
            if (end <= b.length && Arrays.equals(b, at, end, literal, 0, literal.length)) {
                at = end;
                return true;
            }
            return false;
        }

        private boolean isNull() {
            return at < b.length && b[at] == 'n' && literal(NULL);
        }

        private void expectByte(char c) throws Off {
            expect(at < b.length && b[at] == c);
            at++;
        }

        /** Skips {@code c} if it is the byte at the position. */
        private boolean skip(char c) {
            if (at < b.length && b[at] == c) {
                at++;
                return true;
            }
            return false;
        }

        /**
         * A string value: {@code was} itself when the bytes are its text, else a new string. Only
         * printable ASCII with no escape: such bytes are the very chars Jackson would decode.
         */
        private String string(String was) throws Off {
            if (isNull()) {
                return null;
            }
            expectByte('"');
            int from = at;
            int end = closingQuote(from);
            at = end + 1;
            int n = end - from;
            if (was != null && was.length() == n && sameText(was, from, n)) {
                return was;
            }
            return new String(b, from, n, StandardCharsets.ISO_8859_1);
        }

        /** Where the string from {@code from} ends; off at an escape, a control char or a byte beyond ASCII. */
        private int closingQuote(int from) throws Off {
            for (int i = from; i < b.length; i++) {
                byte c = b[i];
                if (c == '"') {
                    return i;
                }
                expect(c >= 0x20 && c != '\\'); // negative: a byte >= 0x80
            }
            throw OFF;
        }

        /**
         * Whether the {@code n} bytes from {@code from} (printable ASCII, as {@link #closingQuote} saw)
         * are the chars of {@code was}, which is {@code n} long: its chars copied out, then compared.
         */
        private boolean sameText(String was, int from, int n) {
            if (scratch == null) {
                scratch = SCRATCH.get()[0];
            }
            if (scratch.length < n) {
                char[][] holder = SCRATCH.get();
                holder[0] = new char[Math.max(n, 2 * scratch.length)];
                scratch = holder[0];
            }
            char[] chars = scratch;
            was.getChars(0, n, chars, 0);
            for (int i = 0; i < n; i++) {
                if (chars[i] != b[from + i]) {
                    return false;
                }
            }
            return true;
        }

        private Boolean bool() throws Off {
            if (literal(TRUE)) {
                return Boolean.TRUE;
            }
            if (literal(FALSE)) {
                return Boolean.FALSE;
            }
            expect(isNull());
            return null;
        }

        /**
         * An integer as JSON writes one that fits a long: an optional minus, then 0 or digits not
         * starting with 0; at most 18 digits (a longer one is left to Jackson, which knows its range).
         */
        private long primitiveLong() throws Off {
            boolean negative = skip('-');
            int from = at;
            long v = 0;
            while (at < b.length && b[at] >= '0' && b[at] <= '9') {
                v = v * 10 + (b[at] - '0');
                at++;
            }
            int digits = at - from;
            expect(digits >= 1 && digits <= 18 && (digits == 1 || b[from] != '0'));
            // a fraction or an exponent makes it a float to Jackson
            expect(at >= b.length || (b[at] != '.' && b[at] != 'e' && b[at] != 'E'));
            return negative ? -v : v;
        }

        private int primitiveInt() throws Off {
            long v = primitiveLong();
            expect(v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE);
            return (int) v;
        }

        private Long boxedLong(Long was) throws Off {
            if (isNull()) {
                return null;
            }
            long v = primitiveLong();
            return was != null && was == v ? was : Long.valueOf(v);
        }

        private Integer boxedInt(Integer was) throws Off {
            if (isNull()) {
                return null;
            }
            int v = primitiveInt();
            return was != null && was == v ? was : Integer.valueOf(v);
        }

        /** An instant as {@link StatusJson#instant} reads one; {@code was} itself when equal. */
        private Instant instant(Instant was) throws Off {
            if (isNull()) {
                return null;
            }
            expectByte('"');
            int from = at;
            int end = closingQuote(from);
            at = end + 1;
            Instant read = StatusLayout.instant(b, from, end - from);
            return read.equals(was) ? was : read;
        }

        private PollError error(PollError was) throws Off {
            if (isNull()) {
                return null;
            }
            field(E_CLASS);
            String errorClass = string(was == null ? null : was.errorClass());
            field(E_ERRNO);
            Integer errno = boxedInt(was == null ? null : was.errno());
            field(E_MESSAGE);
            String message = string(was == null ? null : was.message());
            expectByte('}');
            PollError read = new PollError(errorClass, errno, message);
            return read.equals(was) ? was : read;
        }

        private PollerIdentity poller(PollerIdentity was) throws Off {
            if (isNull()) {
                return null;
            }
            field(P_NODE);
            String node = string(was == null ? null : was.node());
            field(P_GENERATION);
            long generation = primitiveLong();
            field(P_EPOCH);
            String epoch = string(was == null ? null : was.epoch());
            expectByte('}');
            PollerIdentity read = new PollerIdentity(node, generation, epoch);
            return read.equals(was) ? was : read;
        }

        private List<ChannelStatus> channels(List<ChannelStatus> before) throws Off {
            if (isNull()) {
                return List.of();
            }
            expectByte('[');
            if (skip(']')) {
                return List.of();
            }
            ChannelStatus[] read = new ChannelStatus[Math.max(1, before.size())];
            int n = 0;
            boolean same = true;
            do {
                ChannelStatus was = n < before.size() ? before.get(n) : null;
                ChannelStatus c = channel(was);
                same &= c == was;
                if (n == read.length) {
                    read = Arrays.copyOf(read, 2 * n);
                }
                read[n++] = c;
            } while (skip(','));
            expectByte(']');
            return same && n == before.size() ? before : List.of(Arrays.copyOf(read, n));
        }

        private ChannelStatus channel(ChannelStatus was) throws Off {
            boolean w = was != null;
            field(CH_NAME);
            String name = string(w ? was.name() : null);
            field(CH_SOURCE_HOST);
            String sourceHost = string(w ? was.sourceHost() : null);
            field(CH_SOURCE_PORT);
            Integer sourcePort = boxedInt(w ? was.sourcePort() : null);
            field(CH_SOURCE_SERVER_ID);
            Long sourceServerId = boxedLong(w ? was.sourceServerId() : null);
            field(CH_SOURCE_UUID);
            String sourceUuid = string(w ? was.sourceUuid() : null);
            field(CH_IO_STATE);
            String ioState = string(w ? was.ioState() : null);
            field(CH_SQL_STATE);
            String sqlState = string(w ? was.sqlState() : null);
            field(CH_LAST_IO_ERRNO);
            int lastIoErrno = primitiveInt();
            field(CH_LAST_IO_ERROR);
            String lastIoError = string(w ? was.lastIoError() : null);
            field(CH_LAST_IO_ERROR_AT);
            Instant lastIoErrorAt = instant(w ? was.lastIoErrorAt() : null);
            field(CH_LAST_SQL_ERRNO);
            int lastSqlErrno = primitiveInt();
            field(CH_LAST_SQL_ERROR);
            String lastSqlError = string(w ? was.lastSqlError() : null);
            field(CH_LAST_SQL_ERROR_AT);
            Instant lastSqlErrorAt = instant(w ? was.lastSqlErrorAt() : null);
            field(CH_LAST_SQL_COORDINATOR_ERROR);
            String lastSqlCoordinatorError = string(w ? was.lastSqlCoordinatorError() : null);
            field(CH_SECONDS_BEHIND_SOURCE);
            Long secondsBehindSource = boxedLong(w ? was.secondsBehindSource() : null);
            field(CH_RETRIEVED_GTID_SET);
            String retrievedGtidSet = string(w ? was.retrievedGtidSet() : null);
            field(CH_EXECUTED_GTID_SET);
            String executedGtidSet = string(w ? was.executedGtidSet() : null);
            field(CH_AUTO_POSITION);
            Boolean autoPosition = bool();
            field(CH_SQL_DELAY_SECONDS);
            Long sqlDelaySeconds = boxedLong(w ? was.sqlDelaySeconds() : null);
            field(CH_SOURCE_ADDRESSES);
            List<String> sourceAddresses = strings(w ? was.sourceAddresses() : List.of());
            field(CH_SOURCE_RESOLVABLE);
            Boolean sourceResolvable = bool();
            expectByte('}');
            ChannelStatus read = new ChannelStatus(name, sourceHost, sourcePort, sourceServerId, sourceUuid, ioState,
                    sqlState, lastIoErrno, lastIoError, lastIoErrorAt, lastSqlErrno, lastSqlError, lastSqlErrorAt,
                    lastSqlCoordinatorError, secondsBehindSource, retrievedGtidSet, executedGtidSet, autoPosition,
                    sqlDelaySeconds, sourceAddresses, sourceResolvable);
            // the record's own equality: a field added to the record is compared without a change here
            return read.equals(was) ? was : read;
        }

        private List<ReplicaHost> replicas(List<ReplicaHost> before) throws Off {
            if (isNull()) {
                return List.of();
            }
            expectByte('[');
            if (skip(']')) {
                return List.of();
            }
            ReplicaHost[] read = new ReplicaHost[Math.max(2, before.size())];
            int n = 0;
            boolean same = true;
            do {
                ReplicaHost was = n < before.size() ? before.get(n) : null;
                boolean w = was != null;
                field(R_SERVER_ID);
                Long serverId = boxedLong(w ? was.serverId() : null);
                field(R_HOST);
                String host = string(w ? was.host() : null);
                field(R_PORT);
                Integer port = boxedInt(w ? was.port() : null);
                field(R_UUID);
                String uuid = string(w ? was.uuid() : null);
                expectByte('}');
                ReplicaHost r = new ReplicaHost(serverId, host, port, uuid);
                r = r.equals(was) ? was : r;
                same &= r == was;
                if (n == read.length) {
                    read = Arrays.copyOf(read, 2 * n);
                }
                read[n++] = r;
            } while (skip(','));
            expectByte(']');
            return same && n == before.size() ? before : List.of(Arrays.copyOf(read, n));
        }

        /** A list of non-null strings (the record refuses null elements; the general reader says why). */
        private List<String> strings(List<String> before) throws Off {
            if (isNull()) {
                return List.of();
            }
            expectByte('[');
            if (skip(']')) {
                return List.of();
            }
            String[] read = new String[Math.max(2, before.size())];
            int n = 0;
            boolean same = true;
            do {
                String was = n < before.size() ? before.get(n) : null;
                expect(!isNull());
                String s = string(was);
                same &= s == was;
                if (n == read.length) {
                    read = Arrays.copyOf(read, 2 * n);
                }
                read[n++] = s;
            } while (skip(','));
            expectByte(']');
            return same && n == before.size() ? before : List.of(Arrays.copyOf(read, n));
        }

        /**
         * The labels: {@code before} itself when the bytes hold its very keys and values (in any order),
         * else a new map. Keys are strings as {@link #string} reads them; a duplicate key is left to
         * the streaming reader.
         */
        private Map<String, String> labels(Map<String, String> before) throws Off {
            if (isNull()) {
                return Map.of();
            }
            expectByte('{');
            if (skip('}')) {
                return Map.of();
            }
            // where each key and value starts and ends, as read: the strings are made only if needed
            int[] spans = new int[4 * Math.max(2, before.size())];
            int n = 0;
            do {
                if (4 * n == spans.length) {
                    expect(n < MAX_LABELS);
                    spans = Arrays.copyOf(spans, 2 * spans.length);
                }
                expectByte('"');
                spans[4 * n] = at;
                spans[4 * n + 1] = closingQuote(at);
                at = spans[4 * n + 1] + 1;
                expectByte(':');
                expectByte('"'); // a null or non-string value is left to the streaming reader
                spans[4 * n + 2] = at;
                spans[4 * n + 3] = closingQuote(at);
                at = spans[4 * n + 3] + 1;
                n++;
            } while (skip(','));
            expectByte('}');
            if (n == before.size() && holds(before, spans, n)) {
                return before;
            }
            Map<String, String> labels = new HashMap<>(2 * n);
            for (int i = 0; i < n; i++) {
                String key = new String(b, spans[4 * i], spans[4 * i + 1] - spans[4 * i], StandardCharsets.ISO_8859_1);
                String was = before.get(key);
                int from = spans[4 * i + 2];
                int len = spans[4 * i + 3] - from;
                String value = was != null && was.length() == len && sameText(was, from, len) ? was
                        : new String(b, from, len, StandardCharsets.ISO_8859_1);
                expect(labels.put(key, value) == null);
            }
            return Map.copyOf(labels);
        }

        /** Whether the {@code n} key and value spans are exactly the {@code n} entries of {@code before}. */
        private boolean holds(Map<String, String> before, int[] spans, int n) {
            for (Map.Entry<String, String> e : before.entrySet()) {
                boolean found = false;
                for (int i = 0; i < n && !found; i++) {
                    int k = spans[4 * i];
                    int kn = spans[4 * i + 1] - k;
                    int v = spans[4 * i + 2];
                    int vn = spans[4 * i + 3] - v;
                    found = e.getKey().length() == kn && sameText(e.getKey(), k, kn)
                            && e.getValue().length() == vn && sameText(e.getValue(), v, vn);
                }
                if (!found) {
                    return false;
                }
            }
            // n distinct keys of before each matched one span: the spans hold no duplicate key
            return true;
        }

        private List<DeniedCapability> denied(List<DeniedCapability> before) throws Off {
            if (isNull()) {
                return List.of();
            }
            expectByte('[');
            if (skip(']')) {
                return List.of();
            }
            DeniedCapability[] read = new DeniedCapability[Math.max(1, before.size())];
            int n = 0;
            do {
                DeniedCapability was = n < before.size() ? before.get(n) : null;
                boolean w = was != null;
                field(D_CAPABILITY);
                String capability = string(w ? was.capability() : null);
                field(D_PRIVILEGE);
                String privilege = string(w ? was.privilege() : null);
                field(D_STATEMENT);
                String statement = string(w ? was.statement() : null);
                field(D_ERRNO);
                Integer errno = boxedInt(w ? was.errno() : null);
                field(D_ERROR);
                String error = string(w ? was.error() : null);
                field(D_LOST);
                String lost = string(w ? was.lost() : null);
                field(D_GRANT);
                String grant = string(w ? was.grant() : null);
                expectByte('}');
                if (n == read.length) {
                    read = Arrays.copyOf(read, 2 * n);
                }
                read[n++] = new DeniedCapability(capability, privilege, statement, errno, error, lost, grant);
            } while (skip(','));
            expectByte(']');
            List<DeniedCapability> denied = List.of(Arrays.copyOf(read, n));
            return denied.equals(before) ? before : denied;
        }
    }

    private static boolean present(String s) {
        return s != null && !s.isBlank();
    }

    /**
     * An instant as the service writes them, {@code yyyy-MM-ddTHH:mm:ss[.fraction]Z}, from {@code n}
     * bytes of {@code s} from {@code at}: the same forms {@link StatusJson#instant} reads, any other off.
     */
    static Instant instant(byte[] s, int at, int n) throws Off {
        expect(n >= 20 && n <= 30 && s[at + 4] == '-' && s[at + 7] == '-' && s[at + 10] == 'T'
                && s[at + 13] == ':' && s[at + 16] == ':' && s[at + n - 1] == 'Z');
        int year = digits(s, at, at + 4);
        int month = digits(s, at + 5, at + 7);
        int day = digits(s, at + 8, at + 10);
        int hour = digits(s, at + 11, at + 13);
        int minute = digits(s, at + 14, at + 16);
        int second = digits(s, at + 17, at + 19);
        expect(year >= 1970 && month >= 1 && month <= 12 && day >= 1 && day <= 31 && hour <= 23 && minute <= 59
                && second <= 59);
        int nanos = 0;
        if (n > 20) {
            int fraction = n - 21;
            expect(s[at + 19] == '.' && fraction >= 1 && fraction <= 9);
            nanos = digits(s, at + 20, at + n - 1);
            for (int i = fraction; i < 9; i++) {
                nanos *= 10;
            }
        }
        LocalDate date;
        try {
            date = LocalDate.of(year, month, day);
        } catch (java.time.DateTimeException e) {
            throw OFF;
        }
        return Instant.ofEpochSecond(date.toEpochDay() * 86_400 + hour * 3600L + minute * 60L + second, nanos);
    }

    private static int digits(byte[] s, int from, int to) throws Off {
        int v = 0;
        for (int i = from; i < to; i++) {
            byte c = s[i];
            expect(c >= '0' && c <= '9');
            v = v * 10 + (c - '0');
        }
        return v;
    }

    private static void expect(boolean usual) throws Off {
        if (!usual) {
            throw OFF;
        }
    }
}
