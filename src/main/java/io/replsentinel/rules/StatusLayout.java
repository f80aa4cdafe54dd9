package io.replsentinel.rules;

import io.replsentinel.event.ChannelStatus;
import io.replsentinel.event.DeniedCapability;
import io.replsentinel.event.PollError;
import io.replsentinel.event.PollerIdentity;
import io.replsentinel.event.ReplicaHost;
import io.replsentinel.event.ReplicationStatus;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
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

    /** The longest instant text {@link StatusJson#instant} reads (nanoseconds, {@code Z}). */
    private static final int INSTANT_CHARS = 30;

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

    /** Reads one element of a list, {@code was} (the previous status's element there, or null) itself when equal. */
    @FunctionalInterface
    private interface Element<T> {
        T read(Cursor c, T was) throws Off;
    }

    private static final Element<String> STRING = Cursor::element;
    private static final Element<ChannelStatus> CHANNEL = Cursor::channel;
    private static final Element<ReplicaHost> REPLICA = Cursor::replica;
    private static final Element<DeniedCapability> DENIED = Cursor::denied;

    /** One record's read: the bytes, the position in them, and the instance's previous status once known. */
    private static final class Cursor {
        private final byte[] b;
        private final StatusJson.Previous previous;
        private int at;
        /** The chars of an instant's text, for its parser: made at the record's first instant. */
        private char[] instantChars;

        Cursor(byte[] b, StatusJson.Previous previous) {
            this.b = b;
            this.previous = previous;
        }

        ReplicationStatus status() throws Off {
            expect(primitiveLong(SCHEMA_VERSION) == ReplicationStatus.SCHEMA_VERSION);
            String cluster = string(CLUSTER, null);
            String instance = string(INSTANCE, null);
            expect(present(cluster) && present(instance));
            ReplicationStatus v = previous.of(cluster, instance);
            if (v != null) {
                // the view's own strings: their hashes are cached, and the comparisons that follow are identities
                cluster = cluster.equals(v.cluster()) ? v.cluster() : cluster;
                instance = instance.equals(v.instance()) ? v.instance() : instance;
            }
            boolean w = v != null;
            Instant observedAt = instant(OBSERVED_AT, w ? v.observedAt() : null);
            expect(observedAt != null);
            long pollMillis = primitiveLong(POLL_MILLIS);
            Boolean reachable = bool(REACHABLE);
            expect(reachable != null);
            PollError error = error(ERROR, w ? v.error() : null);
            String flavor = string(FLAVOR, w ? v.flavor() : null);
            String version = string(VERSION, w ? v.version() : null);
            Long serverId = boxedLong(SERVER_ID, w ? v.serverId() : null);
            String serverUuid = string(SERVER_UUID, w ? v.serverUuid() : null);
            Boolean readOnly = bool(READ_ONLY);
            Boolean superReadOnly = bool(SUPER_READ_ONLY);
            String gtidMode = string(GTID_MODE, w ? v.gtidMode() : null);
            String gtidExecuted = string(GTID_EXECUTED, w ? v.gtidExecuted() : null);
            String binlogFormat = string(BINLOG_FORMAT, w ? v.binlogFormat() : null);
            Boolean logReplicaUpdates = bool(LOG_REPLICA_UPDATES);
            List<ChannelStatus> channels = list(CHANNELS, w ? v.channels() : List.of(), CHANNEL);
            List<ReplicaHost> replicas = list(REPLICAS, w ? v.replicas() : List.of(), REPLICA);
            Long heartbeatLagMillis = boxedLong(HEARTBEAT_LAG_MILLIS, w ? v.heartbeatLagMillis() : null);
            String expectedRole = string(EXPECTED_ROLE, w ? v.expectedRole() : null);
            Map<String, String> labels = labels(LABELS, w ? v.labels() : Map.of());
            String enforceGtidConsistency = string(ENFORCE_GTID_CONSISTENCY, w ? v.enforceGtidConsistency() : null);
            String binlogRowImage = string(BINLOG_ROW_IMAGE, w ? v.binlogRowImage() : null);
            Boolean gtidStrictMode = bool(GTID_STRICT_MODE);
            String gtidBinlogState = string(GTID_BINLOG_STATE, w ? v.gtidBinlogState() : null);
            Integer binlogDumpThreads = boxedInt(BINLOG_DUMP_THREADS, w ? v.binlogDumpThreads() : null);
            List<String> addresses = strings(ADDRESSES, w ? v.addresses() : List.of());
            long sequence = primitiveLong(SEQUENCE);
            PollerIdentity poller = poller(POLLER, w ? v.poller() : null);
            List<String> missingPrivileges = strings(MISSING_PRIVILEGES, w ? v.missingPrivileges() : List.of());
            List<DeniedCapability> denied = list(DENIED_CAPABILITIES, w ? v.deniedCapabilities() : List.of(), DENIED);
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

        // each value after its field's name: the name's bytes are checked, then the value read

        private String string(byte[] name, String was) throws Off {
            field(name);
            return string(was);
        }

        private Boolean bool(byte[] name) throws Off {
            field(name);
            return bool();
        }

        private long primitiveLong(byte[] name) throws Off {
            field(name);
            return primitiveLong();
        }

        private int primitiveInt(byte[] name) throws Off {
            field(name);
            return primitiveInt();
        }

        private Long boxedLong(byte[] name, Long was) throws Off {
            field(name);
            return boxedLong(was);
        }

        private Integer boxedInt(byte[] name, Integer was) throws Off {
            field(name);
            return boxedInt(was);
        }

        private Instant instant(byte[] name, Instant was) throws Off {
            field(name);
            return instant(was);
        }

        private List<String> strings(byte[] name, List<String> before) throws Off {
            return list(name, before, STRING);
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
            if (was != null && isText(was, from)) {
                at = from + was.length() + 1;
                return was; // one pass over the bytes: most values are the previous poll's
            }
            int end = closingQuote(from);
            at = end + 1;
            return new String(b, from, end - from, StandardCharsets.ISO_8859_1);
        }

        /**
         * Whether the bytes from {@code from} are {@code was}'s text, in printable ASCII with no
         * escape, and then the closing quote: what {@link #closingQuote} and {@link #sameText} would
         * say together.
         */
        private boolean isText(String was, int from) {
            int n = was.length();
            if (from + n >= b.length || b[from + n] != '"') {
                return false;
            }
            for (int i = 0; i < n; i++) {
                byte c = b[from + i];
                if (c != was.charAt(i) || c < 0x20 || c == '\\' || c == '"') {
                    return false;
                }
            }
            return true;
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
         * are the chars of {@code was}, which is {@code n} long.
         */
        private boolean sameText(String was, int from, int n) {
            for (int i = 0; i < n; i++) {
                if (was.charAt(i) != b[from + i]) {
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

        /** An instant in the forms {@link StatusJson#instant} reads, any other off; {@code was} itself when equal. */
        private Instant instant(Instant was) throws Off {
            if (isNull()) {
                return null;
            }
            expectByte('"');
            int from = at;
            int end = closingQuote(from);
            at = end + 1;
            int n = end - from;
            expect(n <= INSTANT_CHARS);
            if (instantChars == null) {
                instantChars = new char[INSTANT_CHARS];
            }
            char[] chars = instantChars;
            for (int i = 0; i < n; i++) {
                chars[i] = (char) b[from + i];
            }
            Instant read = StatusJson.instantOrNull(chars, 0, n);
            expect(read != null);
            return read.equals(was) ? was : read;
        }

        private PollError error(byte[] name, PollError was) throws Off {
            field(name);
            if (isNull()) {
                return null;
            }
            String errorClass = string(E_CLASS, was == null ? null : was.errorClass());
            Integer errno = boxedInt(E_ERRNO, was == null ? null : was.errno());
            String message = string(E_MESSAGE, was == null ? null : was.message());
            expectByte('}');
            PollError read = new PollError(errorClass, errno, message);
            return read.equals(was) ? was : read;
        }

        private PollerIdentity poller(byte[] name, PollerIdentity was) throws Off {
            field(name);
            if (isNull()) {
                return null;
            }
            String node = string(P_NODE, was == null ? null : was.node());
            long generation = primitiveLong(P_GENERATION);
            String epoch = string(P_EPOCH, was == null ? null : was.epoch());
            expectByte('}');
            PollerIdentity read = new PollerIdentity(node, generation, epoch);
            return read.equals(was) ? was : read;
        }

        /**
         * A list: {@code before} itself when every element read is its element there (what
         * {@code element} gives when equal), else a new list.
         */
        @SuppressWarnings("unchecked")
        private <T> List<T> list(byte[] name, List<T> before, Element<T> element) throws Off {
            field(name);
            if (isNull()) {
                return List.of();
            }
            expectByte('[');
            if (skip(']')) {
                return List.of();
            }
            Object[] read = new Object[Math.max(2, before.size())];
            int n = 0;
            boolean same = true;
            do {
                T was = n < before.size() ? before.get(n) : null;
                T e = element.read(this, was);
                same &= e == was;
                if (n == read.length) {
                    read = Arrays.copyOf(read, 2 * n);
                }
                read[n++] = e;
            } while (skip(','));
            expectByte(']');
            return same && n == before.size() ? before : (List<T>) List.of(Arrays.copyOf(read, n));
        }

        /** A string of a list: not null (the record refuses null elements; the general reader says why). */
        private String element(String was) throws Off {
            expect(!isNull());
            return string(was);
        }

        private ReplicaHost replica(ReplicaHost was) throws Off {
            boolean w = was != null;
            Long serverId = boxedLong(R_SERVER_ID, w ? was.serverId() : null);
            String host = string(R_HOST, w ? was.host() : null);
            Integer port = boxedInt(R_PORT, w ? was.port() : null);
            String uuid = string(R_UUID, w ? was.uuid() : null);
            expectByte('}');
            ReplicaHost read = new ReplicaHost(serverId, host, port, uuid);
            return read.equals(was) ? was : read;
        }

        private DeniedCapability denied(DeniedCapability was) throws Off {
            boolean w = was != null;
            String capability = string(D_CAPABILITY, w ? was.capability() : null);
            String privilege = string(D_PRIVILEGE, w ? was.privilege() : null);
            String statement = string(D_STATEMENT, w ? was.statement() : null);
            Integer errno = boxedInt(D_ERRNO, w ? was.errno() : null);
            String error = string(D_ERROR, w ? was.error() : null);
            String lost = string(D_LOST, w ? was.lost() : null);
            String grant = string(D_GRANT, w ? was.grant() : null);
            expectByte('}');
            DeniedCapability read = new DeniedCapability(capability, privilege, statement, errno, error, lost, grant);
            return read.equals(was) ? was : read;
        }

        private ChannelStatus channel(ChannelStatus was) throws Off {
            boolean w = was != null;
            String name = string(CH_NAME, w ? was.name() : null);
            String sourceHost = string(CH_SOURCE_HOST, w ? was.sourceHost() : null);
            Integer sourcePort = boxedInt(CH_SOURCE_PORT, w ? was.sourcePort() : null);
            Long sourceServerId = boxedLong(CH_SOURCE_SERVER_ID, w ? was.sourceServerId() : null);
            String sourceUuid = string(CH_SOURCE_UUID, w ? was.sourceUuid() : null);
            String ioState = string(CH_IO_STATE, w ? was.ioState() : null);
            String sqlState = string(CH_SQL_STATE, w ? was.sqlState() : null);
            int lastIoErrno = primitiveInt(CH_LAST_IO_ERRNO);
            String lastIoError = string(CH_LAST_IO_ERROR, w ? was.lastIoError() : null);
            Instant lastIoErrorAt = instant(CH_LAST_IO_ERROR_AT, w ? was.lastIoErrorAt() : null);
            int lastSqlErrno = primitiveInt(CH_LAST_SQL_ERRNO);
            String lastSqlError = string(CH_LAST_SQL_ERROR, w ? was.lastSqlError() : null);
            Instant lastSqlErrorAt = instant(CH_LAST_SQL_ERROR_AT, w ? was.lastSqlErrorAt() : null);
            String lastSqlCoordinatorError = string(CH_LAST_SQL_COORDINATOR_ERROR, w ? was.lastSqlCoordinatorError() : null);
            Long secondsBehindSource = boxedLong(CH_SECONDS_BEHIND_SOURCE, w ? was.secondsBehindSource() : null);
            String retrievedGtidSet = string(CH_RETRIEVED_GTID_SET, w ? was.retrievedGtidSet() : null);
            String executedGtidSet = string(CH_EXECUTED_GTID_SET, w ? was.executedGtidSet() : null);
            Boolean autoPosition = bool(CH_AUTO_POSITION);
            Long sqlDelaySeconds = boxedLong(CH_SQL_DELAY_SECONDS, w ? was.sqlDelaySeconds() : null);
            List<String> sourceAddresses = strings(CH_SOURCE_ADDRESSES, w ? was.sourceAddresses() : List.of());
            Boolean sourceResolvable = bool(CH_SOURCE_RESOLVABLE);
            expectByte('}');
            ChannelStatus read = new ChannelStatus(name, sourceHost, sourcePort, sourceServerId, sourceUuid, ioState,
                    sqlState, lastIoErrno, lastIoError, lastIoErrorAt, lastSqlErrno, lastSqlError, lastSqlErrorAt,
                    lastSqlCoordinatorError, secondsBehindSource, retrievedGtidSet, executedGtidSet, autoPosition,
                    sqlDelaySeconds, sourceAddresses, sourceResolvable);
            // the record's own equality: a field added to the record is compared without a change here
            return read.equals(was) ? was : read;
        }

        /**
         * The labels: {@code before} itself when the bytes hold its very keys and values (in any order),
         * else a new map. Keys are strings as {@link #string} reads them; a duplicate key is left to
         * the streaming reader.
         */
        private Map<String, String> labels(byte[] name, Map<String, String> before) throws Off {
            field(name);
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
    }

    private static boolean present(String s) {
        return s != null && !s.isBlank();
    }

    private static void expect(boolean usual) throws Off {
        if (!usual) {
            throw OFF;
        }
    }
}
