package io.replsentinel.rules;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.SerializedString;
import io.replsentinel.event.ChannelStatus;
import io.replsentinel.event.DeniedCapability;
import io.replsentinel.event.PollError;
import io.replsentinel.event.PollerIdentity;
import io.replsentinel.event.ReplicaHost;
import io.replsentinel.event.ReplicationStatus;

import java.io.IOException;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a status value in one pass of Jackson's streaming parser straight into the record the
 * cluster view keeps, without a tree or a bound copy of it: every consumed record is read, and the
 * tree-then-bind route cost as much as evaluating it. It reads only the shape the pollers write
 * (each field of its JSON type or null, instants in ISO-8601 UTC); anything else (a coerced type, a
 * duplicate or missing required field, a bad value) gets {@code null}, and the {@link StatusReader}
 * reads the record the general way, which decides what it means or why it is rejected. So a record
 * read here is the status the general way reads, and a record refused is refused with the same reason.
 * <p>
 * Two things keep it cheap. Field names are matched against the order the pollers write them in
 * ({@link JsonParser#nextFieldName(com.fasterxml.jackson.core.SerializableString)}, which compares the
 * input with the expected name and skips the symbol-table lookup), falling back to a lookup by name
 * for any other order. And a poll mostly repeats the instance's previous one: every value equal to
 * the previous status's (a string, a number, an instant, a channel, a replica, the labels, a list of
 * them) is that very object again, compared in the parser's buffer before any copy is made. So a
 * steady instance's record allocates little beyond the new status, and the evaluation's comparisons
 * with the previous status find the same objects.
 */
final class StatusJson {

    /** Not the shape the pollers write: the general reader takes over. */
    private static final class Unusual extends Exception {
        Unusual() {
            super(null, null, false, false);
        }
    }

    private static final Unusual UNUSUAL = new Unusual();

    private final JsonFactory factory;
    /** Whether fields this version does not know are skipped (as the service's mapper does) or must be refused. */
    private final boolean skipUnknown;

    StatusJson(JsonFactory factory, boolean skipUnknown) {
        this.factory = factory;
        this.skipUnknown = skipUnknown;
    }

    /** The status an instance's previous record left in the engine's view, or null. */
    @FunctionalInterface
    interface Previous {
        Previous NONE = (cluster, instance) -> null;

        ReplicationStatus of(String cluster, String instance);
    }

    /** The status, or null when the value is not in the pollers' shape (including when it is invalid). */
    ReplicationStatus read(String value) {
        return read(value, Previous.NONE);
    }

    /** As {@link #read(String)}, reusing the values equal to those of the instance's previous status. */
    ReplicationStatus read(String value, Previous previous) {
        try (JsonParser p = factory.createParser(value)) {
            return read(p, previous);
        } catch (Unusual | IOException | RuntimeException e) {
            return null;
        }
    }

    /**
     * As {@link #read(String, Previous)}, over the record's bytes with the UTF-8 parser (no decode to
     * a {@code String} first). Only for values of {@link #printableAscii printable ASCII}; the caller
     * decodes any other as the string deserializer would and reads the text.
     */
    ReplicationStatus read(byte[] value, Previous previous) {
        try (JsonParser p = factory.createParser(value)) {
            return read(p, previous);
        } catch (Unusual | IOException | RuntimeException e) {
            return null;
        }
    }

    private ReplicationStatus read(JsonParser p, Previous previous) throws IOException, Unusual {
        ReplicationStatus s = new Read(p, previous).status();
        return p.nextToken() == null ? s : null;
    }

    /**
     * Whether every byte is printable ASCII (0x20-0x7F), eight at a time: such bytes are the same text
     * to the UTF-8 parser and to the string deserializer. Anything else (a multi-byte character, a
     * malformed sequence, a control or NUL byte, which would also make Jackson's byte parser guess
     * UTF-16 or UTF-32) goes the string way.
     */
    static boolean printableAscii(byte[] value) {
        int i = 0;
        long bad = 0;
        for (int end = value.length - 7; i < end; i += 8) {
            long x = (long) LONGS.get(value, i);
            // the high bit of a byte >= 0x80, or of a byte below 0x20 (the classic "has less than" test)
            bad |= x | ((x - 0x2020202020202020L) & ~x);
        }
        if ((bad & 0x8080808080808080L) != 0) {
            return false;
        }
        for (; i < value.length; i++) {
            if (value[i] < 0x20) { // negative: >= 0x80
                return false;
            }
        }
        return true;
    }

    private static final java.lang.invoke.VarHandle LONGS =
            java.lang.invoke.MethodHandles.byteArrayViewVarHandle(long[].class, java.nio.ByteOrder.LITTLE_ENDIAN);

    /** The status's fields in the order the pollers write them (the record's component order). */
    private enum Field {
        schemaVersion, cluster, instance, observedAt, pollMillis, reachable, error, flavor, version, serverId,
        serverUuid, readOnly, superReadOnly, gtidMode, gtidExecuted, binlogFormat, logReplicaUpdates, channels,
        replicas, heartbeatLagMillis, expectedRole, labels, enforceGtidConsistency, binlogRowImage, gtidStrictMode,
        gtidBinlogState, binlogDumpThreads, addresses, sequence, poller, missingPrivileges, deniedCapabilities;

        static final Field[] ALL = values();
        static final SerializedString[] NAMES = names(ALL);
        static final Map<String, Field> BY_NAME = byName(ALL);
    }

    /** A channel's fields in the order the pollers write them. */
    private enum ChannelField {
        name, sourceHost, sourcePort, sourceServerId, sourceUuid, ioState, sqlState, lastIoErrno, lastIoError,
        lastIoErrorAt, lastSqlErrno, lastSqlError, lastSqlErrorAt, lastSqlCoordinatorError, secondsBehindSource,
        retrievedGtidSet, executedGtidSet, autoPosition, sqlDelaySeconds, sourceAddresses, sourceResolvable;

        static final ChannelField[] ALL = values();
        static final SerializedString[] NAMES = names(ALL);
        static final Map<String, ChannelField> BY_NAME = byName(ALL);
    }

    /** A replica host's fields in the order the pollers write them. */
    private enum ReplicaField {
        serverId, host, port, uuid;

        static final ReplicaField[] ALL = values();
        static final SerializedString[] NAMES = names(ALL);
        static final Map<String, ReplicaField> BY_NAME = byName(ALL);
    }

    private static SerializedString[] names(Enum<?>[] fields) {
        SerializedString[] names = new SerializedString[fields.length];
        for (int i = 0; i < fields.length; i++) {
            names[i] = new SerializedString(fields[i].name());
        }
        return names;
    }

    private static <E extends Enum<E>> Map<String, E> byName(E[] fields) {
        Map<String, E> byName = new HashMap<>();
        for (E f : fields) {
            byName.put(f.name(), f);
        }
        return Map.copyOf(byName);
    }

    /**
     * The next field of the object being read, or {@code unknown} (one this version does not know)
     * or null at the object's end: the parser's current token tells which. The field at
     * {@code expected} is tried first.
     */
    private static <E> E nextField(JsonParser p, SerializedString[] names, E[] fields, Map<String, E> byName,
                                   int expected, E unknown) throws IOException, Unusual {
        JsonToken t;
        if (expected < names.length) {
            if (p.nextFieldName(names[expected])) {
                return fields[expected];
            }
            t = p.currentToken();
        } else {
            t = p.nextToken();
        }
        if (t == JsonToken.END_OBJECT) {
            return null;
        }
        expect(t == JsonToken.FIELD_NAME);
        return byName.getOrDefault(p.currentName(), unknown);
    }

    /** One record's read: the parser, and the instance's previous status once cluster and instance are known. */
    private final class Read {
        private final JsonParser p;
        private final Previous previous;
        /** The previous status of this record's instance, or null (none, or not known yet). */
        private ReplicationStatus prev;

        Read(JsonParser p, Previous previous) {
            this.p = p;
            this.previous = previous;
        }

        ReplicationStatus status() throws IOException, Unusual {
            expect(p.nextToken() == JsonToken.START_OBJECT);
            ReplicationStatus.Builder b = ReplicationStatus.builder(null, null);
            boolean schema = false;
            boolean reachable = false;
            String cluster = null;
            String instance = null;
            int expected = 0;
            Field field;
            while ((field = nextField(p, Field.NAMES, Field.ALL, Field.BY_NAME, expected, null)) != null
                    || p.currentToken() != JsonToken.END_OBJECT) {
                JsonToken t = p.nextToken();
                if (field == null) {
                    unknown(p);
                    continue;
                }
                expected = field.ordinal() + 1;
                ReplicationStatus v = prev;
                switch (field) {
                    case schemaVersion -> {
                        expect(t == JsonToken.VALUE_NUMBER_INT && p.getNumberType() == JsonParser.NumberType.INT
                                && p.getIntValue() == ReplicationStatus.SCHEMA_VERSION && !schema);
                        schema = true;
                        b.schemaVersion(ReplicationStatus.SCHEMA_VERSION);
                    }
                    case cluster -> {
                        cluster = string(t, v == null ? null : v.cluster());
                        b.cluster(cluster);
                        lookUp(cluster, instance, b);
                    }
                    case instance -> {
                        instance = string(t, v == null ? null : v.instance());
                        b.instance(instance);
                        lookUp(cluster, instance, b);
                    }
                    case observedAt -> b.observedAt(instant(t, v == null ? null : v.observedAt()));
                    case pollMillis -> b.pollMillis(primitiveLong(p, t));
                    case reachable -> {
                        expect((t == JsonToken.VALUE_TRUE || t == JsonToken.VALUE_FALSE) && !reachable);
                        reachable = true;
                        b.reachable(t == JsonToken.VALUE_TRUE);
                    }
                    case error -> b.error(t == JsonToken.VALUE_NULL ? null : same(error(p, t), v == null ? null : v.error()));
                    case flavor -> b.flavor(string(t, v == null ? null : v.flavor()));
                    case version -> b.version(string(t, v == null ? null : v.version()));
                    case serverId -> b.serverId(boxedLong(t, v == null ? null : v.serverId()));
                    case serverUuid -> b.serverUuid(string(t, v == null ? null : v.serverUuid()));
                    case readOnly -> b.readOnly(bool(t));
                    case superReadOnly -> b.superReadOnly(bool(t));
                    case gtidMode -> b.gtidMode(string(t, v == null ? null : v.gtidMode()));
                    case gtidExecuted -> b.gtidExecuted(string(t, v == null ? null : v.gtidExecuted()));
                    case binlogFormat -> b.binlogFormat(string(t, v == null ? null : v.binlogFormat()));
                    case logReplicaUpdates -> b.logReplicaUpdates(bool(t));
                    case channels -> b.channels(channels(t, v == null ? List.of() : v.channels()));
                    case replicas -> b.replicas(replicas(t, v == null ? List.of() : v.replicas()));
                    case heartbeatLagMillis -> b.heartbeatLagMillis(boxedLong(t, v == null ? null : v.heartbeatLagMillis()));
                    case expectedRole -> b.expectedRole(string(t, v == null ? null : v.expectedRole()));
                    case labels -> b.labels(labels(t, v == null ? Map.of() : v.labels()));
                    case enforceGtidConsistency -> b.enforceGtidConsistency(string(t, v == null ? null : v.enforceGtidConsistency()));
                    case binlogRowImage -> b.binlogRowImage(string(t, v == null ? null : v.binlogRowImage()));
                    case gtidStrictMode -> b.gtidStrictMode(bool(t));
                    case gtidBinlogState -> b.gtidBinlogState(string(t, v == null ? null : v.gtidBinlogState()));
                    case binlogDumpThreads -> b.binlogDumpThreads(boxedInt(t, v == null ? null : v.binlogDumpThreads()));
                    case addresses -> b.addresses(strings(t, v == null ? List.of() : v.addresses()));
                    case sequence -> b.sequence(primitiveLong(p, t));
                    case poller -> b.poller(t == JsonToken.VALUE_NULL ? null : same(poller(p, t), v == null ? null : v.poller()));
                    case missingPrivileges -> b.missingPrivileges(strings(t, v == null ? List.of() : v.missingPrivileges()));
                    case deniedCapabilities -> b.deniedCapabilities(same(denied(p, t), v == null ? null : v.deniedCapabilities()));
                }
            }
            ReplicationStatus s = b.build();
            // required as the general reader requires them; it also names what is missing
            expect(schema && reachable && present(s.cluster()) && present(s.instance()) && s.observedAt() != null);
            return s;
        }

        /** Once both are known, the instance's previous status; its equal values replace the ones read so far. */
        private void lookUp(String cluster, String instance, ReplicationStatus.Builder b) {
            if (cluster == null || instance == null) {
                return;
            }
            prev = previous.of(cluster, instance);
            if (prev != null) {
                // the view's own strings: their hashes are cached, and the comparisons that follow are identities
                if (cluster.equals(prev.cluster())) {
                    b.cluster(prev.cluster());
                }
                if (instance.equals(prev.instance())) {
                    b.instance(prev.instance());
                }
            }
        }

        private List<ChannelStatus> channels(JsonToken t, List<ChannelStatus> before) throws IOException, Unusual {
            if (t == JsonToken.VALUE_NULL) {
                return List.of();
            }
            expect(t == JsonToken.START_ARRAY);
            List<ChannelStatus> channels = new ArrayList<>(2);
            JsonToken e;
            boolean same = true;
            while ((e = p.nextToken()) != JsonToken.END_ARRAY) {
                int i = channels.size();
                ChannelStatus was = i < before.size() ? before.get(i) : null;
                ChannelStatus c = channel(e, was);
                same &= c == was;
                channels.add(c);
            }
            return same && channels.size() == before.size() ? before : channels;
        }

        private ChannelStatus channel(JsonToken t, ChannelStatus was) throws IOException, Unusual {
            expect(t == JsonToken.START_OBJECT);
            String name = null;
            String sourceHost = null;
            Integer sourcePort = null;
            Long sourceServerId = null;
            String sourceUuid = null;
            String ioState = null;
            String sqlState = null;
            int lastIoErrno = 0;
            String lastIoError = null;
            Instant lastIoErrorAt = null;
            int lastSqlErrno = 0;
            String lastSqlError = null;
            Instant lastSqlErrorAt = null;
            String lastSqlCoordinatorError = null;
            Long secondsBehindSource = null;
            String retrievedGtidSet = null;
            String executedGtidSet = null;
            Boolean autoPosition = null;
            Long sqlDelaySeconds = null;
            List<String> sourceAddresses = null;
            Boolean sourceResolvable = null;
            boolean w = was != null;
            int expected = 0;
            ChannelField field;
            while ((field = nextField(p, ChannelField.NAMES, ChannelField.ALL, ChannelField.BY_NAME, expected, null)) != null
                    || p.currentToken() != JsonToken.END_OBJECT) {
                JsonToken v = p.nextToken();
                if (field == null) {
                    unknown(p);
                    continue;
                }
                expected = field.ordinal() + 1;
                switch (field) {
                    case name -> name = string(v, w ? was.name() : null);
                    case sourceHost -> sourceHost = string(v, w ? was.sourceHost() : null);
                    case sourcePort -> sourcePort = boxedInt(v, w ? was.sourcePort() : null);
                    case sourceServerId -> sourceServerId = boxedLong(v, w ? was.sourceServerId() : null);
                    case sourceUuid -> sourceUuid = string(v, w ? was.sourceUuid() : null);
                    case ioState -> ioState = string(v, w ? was.ioState() : null);
                    case sqlState -> sqlState = string(v, w ? was.sqlState() : null);
                    case lastIoErrno -> lastIoErrno = primitiveInt(p, v);
                    case lastIoError -> lastIoError = string(v, w ? was.lastIoError() : null);
                    case lastIoErrorAt -> lastIoErrorAt = instant(v, w ? was.lastIoErrorAt() : null);
                    case lastSqlErrno -> lastSqlErrno = primitiveInt(p, v);
                    case lastSqlError -> lastSqlError = string(v, w ? was.lastSqlError() : null);
                    case lastSqlErrorAt -> lastSqlErrorAt = instant(v, w ? was.lastSqlErrorAt() : null);
                    case lastSqlCoordinatorError -> lastSqlCoordinatorError = string(v, w ? was.lastSqlCoordinatorError() : null);
                    case secondsBehindSource -> secondsBehindSource = boxedLong(v, w ? was.secondsBehindSource() : null);
                    case retrievedGtidSet -> retrievedGtidSet = string(v, w ? was.retrievedGtidSet() : null);
                    case executedGtidSet -> executedGtidSet = string(v, w ? was.executedGtidSet() : null);
                    case autoPosition -> autoPosition = bool(v);
                    case sqlDelaySeconds -> sqlDelaySeconds = boxedLong(v, w ? was.sqlDelaySeconds() : null);
                    case sourceAddresses -> sourceAddresses = strings(v, w ? was.sourceAddresses() : List.of());
                    case sourceResolvable -> sourceResolvable = bool(v);
                }
            }
            ChannelStatus read = new ChannelStatus(name, sourceHost, sourcePort, sourceServerId, sourceUuid, ioState,
                    sqlState, lastIoErrno, lastIoError, lastIoErrorAt, lastSqlErrno, lastSqlError, lastSqlErrorAt,
                    lastSqlCoordinatorError, secondsBehindSource, retrievedGtidSet, executedGtidSet, autoPosition,
                    sqlDelaySeconds, sourceAddresses, sourceResolvable);
            // the record's own equality: a field added to the record is compared without a change here
            return read.equals(was) ? was : read;
        }

        private List<ReplicaHost> replicas(JsonToken t, List<ReplicaHost> before) throws IOException, Unusual {
            if (t == JsonToken.VALUE_NULL) {
                return List.of();
            }
            expect(t == JsonToken.START_ARRAY);
            List<ReplicaHost> replicas = new ArrayList<>(2);
            boolean same = true;
            JsonToken e;
            while ((e = p.nextToken()) != JsonToken.END_ARRAY) {
                expect(e == JsonToken.START_OBJECT);
                int i = replicas.size();
                ReplicaHost was = i < before.size() ? before.get(i) : null;
                boolean w = was != null;
                Long serverId = null;
                String host = null;
                Integer port = null;
                String uuid = null;
                int expected = 0;
                ReplicaField field;
                while ((field = nextField(p, ReplicaField.NAMES, ReplicaField.ALL, ReplicaField.BY_NAME, expected, null)) != null
                        || p.currentToken() != JsonToken.END_OBJECT) {
                    JsonToken v = p.nextToken();
                    if (field == null) {
                        unknown(p);
                        continue;
                    }
                    expected = field.ordinal() + 1;
                    switch (field) {
                        case serverId -> serverId = boxedLong(v, w ? was.serverId() : null);
                        case host -> host = string(v, w ? was.host() : null);
                        case port -> port = boxedInt(v, w ? was.port() : null);
                        case uuid -> uuid = string(v, w ? was.uuid() : null);
                    }
                }
                ReplicaHost read = new ReplicaHost(serverId, host, port, uuid);
                ReplicaHost r = read.equals(was) ? was : read;
                same &= r == was;
                replicas.add(r);
            }
            return same && replicas.size() == before.size() ? before : replicas;
        }

        /** A list of non-null strings (the record refuses null elements; the general reader says why). */
        private List<String> strings(JsonToken t, List<String> before) throws IOException, Unusual {
            if (t == JsonToken.VALUE_NULL) {
                return List.of();
            }
            expect(t == JsonToken.START_ARRAY);
            List<String> strings = null;
            boolean same = true;
            JsonToken e;
            while ((e = p.nextToken()) != JsonToken.END_ARRAY) {
                expect(e == JsonToken.VALUE_STRING);
                if (strings == null) {
                    strings = new ArrayList<>(2);
                }
                int i = strings.size();
                String was = i < before.size() ? before.get(i) : null;
                String s = string(e, was);
                same &= s == was;
                strings.add(s);
            }
            if (strings == null) {
                return List.of();
            }
            return same && strings.size() == before.size() ? before : strings;
        }

        private Map<String, String> labels(JsonToken t, Map<String, String> before) throws IOException, Unusual {
            if (t == JsonToken.VALUE_NULL) {
                return Map.of();
            }
            expect(t == JsonToken.START_OBJECT);
            Map<String, String> labels = new HashMap<>(8);
            boolean same = true;
            String field;
            while ((field = p.nextFieldName()) != null) {
                String was = before.get(field);
                JsonToken v = p.nextToken();
                expect(v == JsonToken.VALUE_STRING);
                String value = string(v, was);
                same &= value == was;
                expect(labels.put(field, value) == null);
            }
            return same && labels.size() == before.size() ? before : labels;
        }

        /**
         * A string value: {@code was} itself when the text is the same (compared in the parser's buffer,
         * nothing copied), else a new string.
         */
        private String string(JsonToken t, String was) throws IOException, Unusual {
            if (t == JsonToken.VALUE_NULL) {
                return null;
            }
            expect(t == JsonToken.VALUE_STRING);
            if (was != null) {
                int n = p.getTextLength();
                if (n == was.length()) {
                    char[] text = p.getTextCharacters();
                    int from = p.getTextOffset();
                    char[] mine = scratch(n);
                    was.getChars(0, n, mine, 0);
                    if (Arrays.equals(mine, 0, n, text, from, from + n)) {
                        return was;
                    }
                }
            }
            return p.getText();
        }

        private Long boxedLong(JsonToken t, Long was) throws IOException, Unusual {
            if (t == JsonToken.VALUE_NULL) {
                return null;
            }
            long v = primitiveLong(p, t);
            return was != null && was == v ? was : Long.valueOf(v);
        }

        private Integer boxedInt(JsonToken t, Integer was) throws IOException, Unusual {
            if (t == JsonToken.VALUE_NULL) {
                return null;
            }
            int v = primitiveInt(p, t);
            return was != null && was == v ? was : Integer.valueOf(v);
        }

        /** An instant, parsed in the parser's buffer; {@code was} itself when equal. */
        private Instant instant(JsonToken t, Instant was) throws IOException, Unusual {
            if (t == JsonToken.VALUE_NULL) {
                return null;
            }
            expect(t == JsonToken.VALUE_STRING);
            Instant at = StatusJson.instant(p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
            return at.equals(was) ? was : at;
        }
    }

    private static final ThreadLocal<char[][]> SCRATCH = ThreadLocal.withInitial(() -> new char[][] {new char[256]});

    /** A buffer of this thread's, of at least {@code n} chars, to compare a string's text in. */
    private static char[] scratch(int n) {
        char[][] holder = SCRATCH.get();
        if (holder[0].length < n) {
            holder[0] = new char[Math.max(n, 2 * holder[0].length)];
        }
        return holder[0];
    }

    private static Long boxedLong(JsonParser p, JsonToken t) throws IOException, Unusual {
        return t == JsonToken.VALUE_NULL ? null : primitiveLong(p, t);
    }

    private static Integer boxedInt(JsonParser p, JsonToken t) throws IOException, Unusual {
        return t == JsonToken.VALUE_NULL ? null : primitiveInt(p, t);
    }

    /** {@code read} when equal to {@code was}: the same object as the previous status's. */
    private static <T> T same(T read, T was) {
        return read.equals(was) ? was : read;
    }

    private static boolean present(String s) {
        return s != null && !s.isBlank();
    }

    private void unknown(JsonParser p) throws IOException, Unusual {
        expect(skipUnknown);
        p.skipChildren();
    }

    private PollError error(JsonParser p, JsonToken t) throws IOException, Unusual {
        expect(t == JsonToken.START_OBJECT);
        String errorClass = null;
        Integer errno = null;
        String message = null;
        String field;
        while ((field = p.nextFieldName()) != null) {
            JsonToken v = p.nextToken();
            switch (field) {
                case "class" -> errorClass = string(p, v);
                case "errno" -> errno = boxedInt(p, v);
                case "message" -> message = string(p, v);
                default -> unknown(p);
            }
        }
        return new PollError(errorClass, errno, message);
    }

    private PollerIdentity poller(JsonParser p, JsonToken t) throws IOException, Unusual {
        expect(t == JsonToken.START_OBJECT);
        String node = null;
        long generation = 0;
        String epoch = null;
        String field;
        while ((field = p.nextFieldName()) != null) {
            JsonToken v = p.nextToken();
            switch (field) {
                case "node" -> node = string(p, v);
                case "generation" -> generation = primitiveLong(p, v);
                case "epoch" -> epoch = string(p, v);
                default -> unknown(p);
            }
        }
        return new PollerIdentity(node, generation, epoch);
    }

    private List<DeniedCapability> denied(JsonParser p, JsonToken t) throws IOException, Unusual {
        if (t == JsonToken.VALUE_NULL) {
            return List.of();
        }
        expect(t == JsonToken.START_ARRAY);
        List<DeniedCapability> denied = new ArrayList<>(1);
        JsonToken e;
        while ((e = p.nextToken()) != JsonToken.END_ARRAY) {
            expect(e == JsonToken.START_OBJECT);
            String capability = null;
            String privilege = null;
            String statement = null;
            Integer errno = null;
            String error = null;
            String lost = null;
            String grant = null;
            String field;
            while ((field = p.nextFieldName()) != null) {
                JsonToken v = p.nextToken();
                switch (field) {
                    case "capability" -> capability = string(p, v);
                    case "privilege" -> privilege = string(p, v);
                    case "statement" -> statement = string(p, v);
                    case "errno" -> errno = boxedInt(p, v);
                    case "error" -> error = string(p, v);
                    case "lost" -> lost = string(p, v);
                    case "grant" -> grant = string(p, v);
                    default -> unknown(p);
                }
            }
            denied.add(new DeniedCapability(capability, privilege, statement, errno, error, lost, grant));
        }
        return denied;
    }

    private static String string(JsonParser p, JsonToken t) throws IOException, Unusual {
        if (t == JsonToken.VALUE_NULL) {
            return null;
        }
        expect(t == JsonToken.VALUE_STRING);
        return p.getText();
    }

    private static Boolean bool(JsonToken t) throws Unusual {
        if (t == JsonToken.VALUE_NULL) {
            return null;
        }
        expect(t == JsonToken.VALUE_TRUE || t == JsonToken.VALUE_FALSE);
        return t == JsonToken.VALUE_TRUE;
    }

    private static long primitiveLong(JsonParser p, JsonToken t) throws IOException, Unusual {
        expect(t == JsonToken.VALUE_NUMBER_INT && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER);
        return p.getLongValue();
    }

    private static int primitiveInt(JsonParser p, JsonToken t) throws IOException, Unusual {
        expect(t == JsonToken.VALUE_NUMBER_INT && p.getNumberType() == JsonParser.NumberType.INT);
        return p.getIntValue();
    }

    /**
     * An instant as the service writes them, {@code yyyy-MM-ddTHH:mm:ss[.fraction]Z}, read from
     * {@code n} chars of {@code s} from {@code at}; any other form (an offset, a number, a leap
     * second) is left to the general reader.
     */
    static Instant instant(char[] s, int at, int n) throws Unusual {
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
            throw UNUSUAL;
        }
        return Instant.ofEpochSecond(date.toEpochDay() * 86_400 + hour * 3600L + minute * 60L + second, nanos);
    }

    /** As {@link #instant(char[], int, int)}, or null for any other form: for readers that do not throw {@link Unusual}. */
    static Instant instantOrNull(char[] s, int at, int n) {
        try {
            return instant(s, at, n);
        } catch (Unusual e) {
            return null;
        }
    }

    private static int digits(char[] s, int from, int to) throws Unusual {
        int v = 0;
        for (int i = from; i < to; i++) {
            char c = s[i];
            expect(c >= '0' && c <= '9');
            v = v * 10 + (c - '0');
        }
        return v;
    }

    private static void expect(boolean usual) throws Unusual {
        if (!usual) {
            throw UNUSUAL;
        }
    }
}
