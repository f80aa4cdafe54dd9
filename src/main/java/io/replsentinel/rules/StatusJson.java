package io.replsentinel.rules;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
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

    /** The status, or null when the value is not in the pollers' shape (including when it is invalid). */
    ReplicationStatus read(String value) {
        try (JsonParser p = factory.createParser(value)) {
            ReplicationStatus s = status(p);
            return p.nextToken() == null ? s : null;
        } catch (Unusual | IOException | RuntimeException e) {
            return null;
        }
    }

    private ReplicationStatus status(JsonParser p) throws IOException, Unusual {
        expect(p.nextToken() == JsonToken.START_OBJECT);
        ReplicationStatus.Builder b = ReplicationStatus.builder(null, null);
        boolean schema = false;
        boolean reachable = false;
        String field;
        while ((field = p.nextFieldName()) != null) {
            JsonToken t = p.nextToken();
            switch (field) {
                case "schemaVersion" -> {
                    expect(t == JsonToken.VALUE_NUMBER_INT && p.getNumberType() == JsonParser.NumberType.INT
                            && p.getIntValue() == ReplicationStatus.SCHEMA_VERSION && !schema);
                    schema = true;
                    b.schemaVersion(ReplicationStatus.SCHEMA_VERSION);
                }
                case "cluster" -> b.cluster(string(p, t));
                case "instance" -> b.instance(string(p, t));
                case "observedAt" -> b.observedAt(instant(p, t));
                case "pollMillis" -> b.pollMillis(primitiveLong(p, t));
                case "reachable" -> {
                    expect((t == JsonToken.VALUE_TRUE || t == JsonToken.VALUE_FALSE) && !reachable);
                    reachable = true;
                    b.reachable(t == JsonToken.VALUE_TRUE);
                }
                case "error" -> b.error(t == JsonToken.VALUE_NULL ? null : error(p, t));
                case "flavor" -> b.flavor(string(p, t));
                case "version" -> b.version(string(p, t));
                case "serverId" -> b.serverId(boxedLong(p, t));
                case "serverUuid" -> b.serverUuid(string(p, t));
                case "readOnly" -> b.readOnly(bool(t));
                case "superReadOnly" -> b.superReadOnly(bool(t));
                case "gtidMode" -> b.gtidMode(string(p, t));
                case "gtidExecuted" -> b.gtidExecuted(string(p, t));
                case "binlogFormat" -> b.binlogFormat(string(p, t));
                case "logReplicaUpdates" -> b.logReplicaUpdates(bool(t));
                case "channels" -> b.channels(channels(p, t));
                case "replicas" -> b.replicas(replicas(p, t));
                case "heartbeatLagMillis" -> b.heartbeatLagMillis(boxedLong(p, t));
                case "expectedRole" -> b.expectedRole(string(p, t));
                case "labels" -> b.labels(labels(p, t));
                case "enforceGtidConsistency" -> b.enforceGtidConsistency(string(p, t));
                case "binlogRowImage" -> b.binlogRowImage(string(p, t));
                case "gtidStrictMode" -> b.gtidStrictMode(bool(t));
                case "gtidBinlogState" -> b.gtidBinlogState(string(p, t));
                case "binlogDumpThreads" -> b.binlogDumpThreads(boxedInt(p, t));
                case "addresses" -> b.addresses(strings(p, t));
                case "sequence" -> b.sequence(primitiveLong(p, t));
                case "poller" -> b.poller(t == JsonToken.VALUE_NULL ? null : poller(p, t));
                case "missingPrivileges" -> b.missingPrivileges(strings(p, t));
                case "deniedCapabilities" -> b.deniedCapabilities(denied(p, t));
                default -> unknown(p);
            }
        }
        ReplicationStatus s = b.build();
        // required as the general reader requires them; it also names what is missing
        expect(schema && reachable && present(s.cluster()) && present(s.instance()) && s.observedAt() != null);
        return s;
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

    private List<ChannelStatus> channels(JsonParser p, JsonToken t) throws IOException, Unusual {
        if (t == JsonToken.VALUE_NULL) {
            return List.of();
        }
        expect(t == JsonToken.START_ARRAY);
        List<ChannelStatus> channels = new ArrayList<>(2);
        JsonToken e;
        while ((e = p.nextToken()) != JsonToken.END_ARRAY) {
            channels.add(channel(p, e));
        }
        return channels;
    }

    private ChannelStatus channel(JsonParser p, JsonToken t) throws IOException, Unusual {
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
        String field;
        while ((field = p.nextFieldName()) != null) {
            JsonToken v = p.nextToken();
            switch (field) {
                case "name" -> name = string(p, v);
                case "sourceHost" -> sourceHost = string(p, v);
                case "sourcePort" -> sourcePort = boxedInt(p, v);
                case "sourceServerId" -> sourceServerId = boxedLong(p, v);
                case "sourceUuid" -> sourceUuid = string(p, v);
                case "ioState" -> ioState = string(p, v);
                case "sqlState" -> sqlState = string(p, v);
                case "lastIoErrno" -> lastIoErrno = primitiveInt(p, v);
                case "lastIoError" -> lastIoError = string(p, v);
                case "lastIoErrorAt" -> lastIoErrorAt = instant(p, v);
                case "lastSqlErrno" -> lastSqlErrno = primitiveInt(p, v);
                case "lastSqlError" -> lastSqlError = string(p, v);
                case "lastSqlErrorAt" -> lastSqlErrorAt = instant(p, v);
                case "lastSqlCoordinatorError" -> lastSqlCoordinatorError = string(p, v);
                case "secondsBehindSource" -> secondsBehindSource = boxedLong(p, v);
                case "retrievedGtidSet" -> retrievedGtidSet = string(p, v);
                case "executedGtidSet" -> executedGtidSet = string(p, v);
                case "autoPosition" -> autoPosition = bool(v);
                case "sqlDelaySeconds" -> sqlDelaySeconds = boxedLong(p, v);
                case "sourceAddresses" -> sourceAddresses = strings(p, v);
                case "sourceResolvable" -> sourceResolvable = bool(v);
                default -> unknown(p);
            }
        }
        return new ChannelStatus(name, sourceHost, sourcePort, sourceServerId, sourceUuid, ioState, sqlState,
                lastIoErrno, lastIoError, lastIoErrorAt, lastSqlErrno, lastSqlError, lastSqlErrorAt,
                lastSqlCoordinatorError, secondsBehindSource, retrievedGtidSet, executedGtidSet, autoPosition,
                sqlDelaySeconds, sourceAddresses, sourceResolvable);
    }

    private List<ReplicaHost> replicas(JsonParser p, JsonToken t) throws IOException, Unusual {
        if (t == JsonToken.VALUE_NULL) {
            return List.of();
        }
        expect(t == JsonToken.START_ARRAY);
        List<ReplicaHost> replicas = new ArrayList<>(2);
        JsonToken e;
        while ((e = p.nextToken()) != JsonToken.END_ARRAY) {
            expect(e == JsonToken.START_OBJECT);
            Long serverId = null;
            String host = null;
            Integer port = null;
            String uuid = null;
            String field;
            while ((field = p.nextFieldName()) != null) {
                JsonToken v = p.nextToken();
                switch (field) {
                    case "serverId" -> serverId = boxedLong(p, v);
                    case "host" -> host = string(p, v);
                    case "port" -> port = boxedInt(p, v);
                    case "uuid" -> uuid = string(p, v);
                    default -> unknown(p);
                }
            }
            replicas.add(new ReplicaHost(serverId, host, port, uuid));
        }
        return replicas;
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

    /** A list of non-null strings (the record refuses null elements; the general reader says why). */
    private static List<String> strings(JsonParser p, JsonToken t) throws IOException, Unusual {
        if (t == JsonToken.VALUE_NULL) {
            return List.of();
        }
        expect(t == JsonToken.START_ARRAY);
        List<String> strings = null;
        JsonToken e;
        while ((e = p.nextToken()) != JsonToken.END_ARRAY) {
            expect(e == JsonToken.VALUE_STRING);
            if (strings == null) {
                strings = new ArrayList<>(2);
            }
            strings.add(p.getText());
        }
        return strings == null ? List.of() : strings;
    }

    private static Map<String, String> labels(JsonParser p, JsonToken t) throws IOException, Unusual {
        if (t == JsonToken.VALUE_NULL) {
            return Map.of();
        }
        expect(t == JsonToken.START_OBJECT);
        Map<String, String> labels = new HashMap<>(8);
        String field;
        while ((field = p.nextFieldName()) != null) {
            expect(p.nextToken() == JsonToken.VALUE_STRING && labels.put(field, p.getText()) == null);
        }
        return labels;
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

    private static Long boxedLong(JsonParser p, JsonToken t) throws IOException, Unusual {
        return t == JsonToken.VALUE_NULL ? null : primitiveLong(p, t);
    }

    private static long primitiveLong(JsonParser p, JsonToken t) throws IOException, Unusual {
        expect(t == JsonToken.VALUE_NUMBER_INT && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER);
        return p.getLongValue();
    }

    private static Integer boxedInt(JsonParser p, JsonToken t) throws IOException, Unusual {
        return t == JsonToken.VALUE_NULL ? null : primitiveInt(p, t);
    }

    private static int primitiveInt(JsonParser p, JsonToken t) throws IOException, Unusual {
        expect(t == JsonToken.VALUE_NUMBER_INT && p.getNumberType() == JsonParser.NumberType.INT);
        return p.getIntValue();
    }

    /**
     * An instant as the service writes them, {@code yyyy-MM-ddTHH:mm:ss[.fraction]Z}; any other form
     * (an offset, a number, a leap second) is left to the general reader.
     */
    static Instant instant(JsonParser p, JsonToken t) throws IOException, Unusual {
        if (t == JsonToken.VALUE_NULL) {
            return null;
        }
        expect(t == JsonToken.VALUE_STRING);
        return instant(p.getText());
    }

    static Instant instant(String s) throws Unusual {
        int n = s.length();
        expect(n >= 20 && n <= 30 && s.charAt(4) == '-' && s.charAt(7) == '-' && s.charAt(10) == 'T'
                && s.charAt(13) == ':' && s.charAt(16) == ':' && s.charAt(n - 1) == 'Z');
        int year = digits(s, 0, 4);
        int month = digits(s, 5, 7);
        int day = digits(s, 8, 10);
        int hour = digits(s, 11, 13);
        int minute = digits(s, 14, 16);
        int second = digits(s, 17, 19);
        expect(year >= 1970 && month >= 1 && month <= 12 && day >= 1 && day <= 31 && hour <= 23 && minute <= 59
                && second <= 59);
        int nanos = 0;
        if (n > 20) {
            int fraction = n - 21;
            expect(s.charAt(19) == '.' && fraction >= 1 && fraction <= 9);
            nanos = digits(s, 20, n - 1);
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

    private static int digits(String s, int from, int to) throws Unusual {
        int v = 0;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
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
