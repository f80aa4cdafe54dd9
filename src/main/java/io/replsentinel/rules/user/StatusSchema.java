package io.replsentinel.rules.user;

import com.google.protobuf.BoolValue;
import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.MessageOptions;
import com.google.protobuf.Descriptors;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.Int64Value;
import com.google.protobuf.Message;
import com.google.protobuf.StringValue;
import com.google.protobuf.WrappersProto;
import io.replsentinel.event.ChannelStatus;
import io.replsentinel.event.PollError;
import io.replsentinel.event.ReplicaHost;
import io.replsentinel.event.ReplicationStatus;

import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * The status as user rules see it: CEL types {@code sentinel.Status}, {@code sentinel.Channel},
 * {@code sentinel.PollError} and {@code sentinel.Replica}, built once from the tables below.
 * Declaring real types lets the type checker refuse an unknown field at start-up. A field the
 * record may leave null is a protobuf wrapper: when null it is absent, so {@code has()} is false
 * and reading it yields {@code null}, which never equals a value and makes an ordering comparison
 * an evaluation error (the rule then does not match). Timestamps are left out: CEL has no clock
 * here, and the engine already ages conditions through {@code for:}.
 */
final class StatusSchema {

    static final String PACKAGE = "sentinel";

    /** How a field is typed in CEL; the {@code OPTIONAL_} kinds are absent when the value is null. */
    enum Kind { STRING, INT, BOOL, OPTIONAL_STRING, OPTIONAL_INT, OPTIONAL_BOOL }

    /** One field a rule can read: its CEL name, type and where its value comes from. */
    record Field<T>(String name, Kind kind, Function<T, Object> value) {
    }

    static final List<Field<ChannelStatus>> CHANNEL_FIELDS = List.of(
            new Field<>("name", Kind.STRING, ChannelStatus::name),
            new Field<>("sourceHost", Kind.OPTIONAL_STRING, ChannelStatus::sourceHost),
            new Field<>("sourcePort", Kind.OPTIONAL_INT, ChannelStatus::sourcePort),
            new Field<>("sourceServerId", Kind.OPTIONAL_INT, ChannelStatus::sourceServerId),
            new Field<>("sourceUuid", Kind.OPTIONAL_STRING, ChannelStatus::sourceUuid),
            new Field<>("ioState", Kind.OPTIONAL_STRING, ChannelStatus::ioState),
            new Field<>("sqlState", Kind.OPTIONAL_STRING, ChannelStatus::sqlState),
            new Field<>("lastIoErrno", Kind.INT, ChannelStatus::lastIoErrno),
            new Field<>("lastIoError", Kind.OPTIONAL_STRING, ChannelStatus::lastIoError),
            new Field<>("lastSqlErrno", Kind.INT, ChannelStatus::lastSqlErrno),
            new Field<>("lastSqlError", Kind.OPTIONAL_STRING, ChannelStatus::lastSqlError),
            new Field<>("lastSqlCoordinatorError", Kind.OPTIONAL_STRING, ChannelStatus::lastSqlCoordinatorError),
            new Field<>("secondsBehindSource", Kind.OPTIONAL_INT, ChannelStatus::secondsBehindSource),
            new Field<>("retrievedGtidSet", Kind.OPTIONAL_STRING, ChannelStatus::retrievedGtidSet),
            new Field<>("executedGtidSet", Kind.OPTIONAL_STRING, ChannelStatus::executedGtidSet),
            new Field<>("autoPosition", Kind.OPTIONAL_BOOL, ChannelStatus::autoPosition));

    static final List<Field<PollError>> ERROR_FIELDS = List.of(
            new Field<>("errorClass", Kind.OPTIONAL_STRING, PollError::errorClass),
            new Field<>("errno", Kind.OPTIONAL_INT, PollError::errno),
            new Field<>("message", Kind.OPTIONAL_STRING, PollError::message));

    static final List<Field<ReplicaHost>> REPLICA_FIELDS = List.of(
            new Field<>("serverId", Kind.OPTIONAL_INT, ReplicaHost::serverId),
            new Field<>("host", Kind.OPTIONAL_STRING, ReplicaHost::host),
            new Field<>("port", Kind.OPTIONAL_INT, ReplicaHost::port),
            new Field<>("uuid", Kind.OPTIONAL_STRING, ReplicaHost::uuid));

    /** Scalar fields of the status; {@code error}, {@code channels}, {@code replicas}, {@code labels} follow. */
    static final List<Field<ReplicationStatus>> STATUS_FIELDS = List.of(
            new Field<>("cluster", Kind.STRING, ReplicationStatus::cluster),
            new Field<>("instance", Kind.STRING, ReplicationStatus::instance),
            new Field<>("pollMillis", Kind.INT, ReplicationStatus::pollMillis),
            new Field<>("reachable", Kind.BOOL, ReplicationStatus::reachable),
            new Field<>("flavor", Kind.OPTIONAL_STRING, ReplicationStatus::flavor),
            new Field<>("version", Kind.OPTIONAL_STRING, ReplicationStatus::version),
            new Field<>("serverId", Kind.OPTIONAL_INT, ReplicationStatus::serverId),
            new Field<>("serverUuid", Kind.OPTIONAL_STRING, ReplicationStatus::serverUuid),
            new Field<>("readOnly", Kind.OPTIONAL_BOOL, ReplicationStatus::readOnly),
            new Field<>("superReadOnly", Kind.OPTIONAL_BOOL, ReplicationStatus::superReadOnly),
            new Field<>("gtidMode", Kind.OPTIONAL_STRING, ReplicationStatus::gtidMode),
            new Field<>("gtidExecuted", Kind.OPTIONAL_STRING, ReplicationStatus::gtidExecuted),
            new Field<>("binlogFormat", Kind.OPTIONAL_STRING, ReplicationStatus::binlogFormat),
            new Field<>("logReplicaUpdates", Kind.OPTIONAL_BOOL, ReplicationStatus::logReplicaUpdates),
            new Field<>("heartbeatLagMillis", Kind.OPTIONAL_INT, ReplicationStatus::heartbeatLagMillis),
            new Field<>("expectedRole", Kind.OPTIONAL_STRING, ReplicationStatus::expectedRole));

    private static final Descriptors.FileDescriptor FILE = buildFile();
    static final Descriptor STATUS = FILE.findMessageTypeByName("Status");
    static final Descriptor CHANNEL = FILE.findMessageTypeByName("Channel");
    static final Descriptor POLL_ERROR = FILE.findMessageTypeByName("PollError");
    static final Descriptor REPLICA = FILE.findMessageTypeByName("Replica");

    private StatusSchema() {
    }

    static Descriptors.FileDescriptor file() {
        return FILE;
    }

    /** The status as a CEL value of type {@code sentinel.Status}. */
    static Message status(ReplicationStatus s) {
        DynamicMessage.Builder b = fill(DynamicMessage.newBuilder(STATUS), STATUS_FIELDS, s);
        if (s.error() != null) {
            b.setField(STATUS.findFieldByName("error"), fill(DynamicMessage.newBuilder(POLL_ERROR), ERROR_FIELDS, s.error()).build());
        }
        FieldDescriptor channels = STATUS.findFieldByName("channels");
        s.channels().forEach(ch -> b.addRepeatedField(channels, channel(ch)));
        FieldDescriptor replicas = STATUS.findFieldByName("replicas");
        s.replicas().forEach(r -> b.addRepeatedField(replicas, fill(DynamicMessage.newBuilder(REPLICA), REPLICA_FIELDS, r).build()));
        FieldDescriptor labels = STATUS.findFieldByName("labels");
        Descriptor entry = labels.getMessageType();
        s.labels().forEach((k, v) -> b.addRepeatedField(labels, DynamicMessage.newBuilder(entry)
                .setField(entry.findFieldByName("key"), k)
                .setField(entry.findFieldByName("value"), v).build()));
        return b.build();
    }

    /** One channel as a CEL value of type {@code sentinel.Channel}. */
    static Message channel(ChannelStatus ch) {
        return fill(DynamicMessage.newBuilder(CHANNEL), CHANNEL_FIELDS, ch).build();
    }

    /** Reads one status field by its CEL name (for evidence); empty for a list or map field. */
    static Optional<Function<ReplicationStatus, Object>> statusField(String name) {
        if ("error".equals(name)) {
            return Optional.of(ReplicationStatus::error);
        }
        return getter(STATUS_FIELDS, name);
    }

    /** Reads one channel field by its CEL name (for evidence). */
    static Optional<Function<ChannelStatus, Object>> channelField(String name) {
        return getter(CHANNEL_FIELDS, name);
    }

    private static <T> Optional<Function<T, Object>> getter(List<Field<T>> fields, String name) {
        return fields.stream().filter(f -> f.name().equals(name)).findFirst().map(Field::value);
    }

    private static <T> DynamicMessage.Builder fill(DynamicMessage.Builder b, List<Field<T>> fields, T record) {
        Descriptor d = b.getDescriptorForType();
        for (Field<T> f : fields) {
            Object v = f.value().apply(record);
            if (v == null) {
                continue;
            }
            FieldDescriptor fd = d.findFieldByName(f.name());
            b.setField(fd, switch (f.kind()) {
                case STRING, BOOL -> v;
                case INT -> ((Number) v).longValue();
                case OPTIONAL_STRING -> StringValue.of((String) v);
                case OPTIONAL_INT -> Int64Value.of(((Number) v).longValue());
                case OPTIONAL_BOOL -> BoolValue.of((Boolean) v);
            });
        }
        return b;
    }

    private static Descriptors.FileDescriptor buildFile() {
        DescriptorProto.Builder status = message("Status", STATUS_FIELDS);
        int n = STATUS_FIELDS.size();
        status.addField(field("error", ++n, FieldDescriptorProto.Type.TYPE_MESSAGE, "." + PACKAGE + ".PollError"));
        status.addField(field("channels", ++n, FieldDescriptorProto.Type.TYPE_MESSAGE, "." + PACKAGE + ".Channel")
                .setLabel(FieldDescriptorProto.Label.LABEL_REPEATED));
        status.addField(field("replicas", ++n, FieldDescriptorProto.Type.TYPE_MESSAGE, "." + PACKAGE + ".Replica")
                .setLabel(FieldDescriptorProto.Label.LABEL_REPEATED));
        status.addNestedType(DescriptorProto.newBuilder().setName("LabelsEntry")
                .setOptions(MessageOptions.newBuilder().setMapEntry(true))
                .addField(field("key", 1, FieldDescriptorProto.Type.TYPE_STRING, null))
                .addField(field("value", 2, FieldDescriptorProto.Type.TYPE_STRING, null)));
        status.addField(field("labels", ++n, FieldDescriptorProto.Type.TYPE_MESSAGE, "." + PACKAGE + ".Status.LabelsEntry")
                .setLabel(FieldDescriptorProto.Label.LABEL_REPEATED));
        FileDescriptorProto file = FileDescriptorProto.newBuilder()
                .setName("sentinel/user_rules.proto")
                .setPackage(PACKAGE)
                .setSyntax("proto3")
                .addDependency(WrappersProto.getDescriptor().getName())
                .addMessageType(status)
                .addMessageType(message("Channel", CHANNEL_FIELDS))
                .addMessageType(message("PollError", ERROR_FIELDS))
                .addMessageType(message("Replica", REPLICA_FIELDS))
                .build();
        try {
            return Descriptors.FileDescriptor.buildFrom(file, new Descriptors.FileDescriptor[] {WrappersProto.getDescriptor()});
        } catch (Descriptors.DescriptorValidationException e) {
            throw new IllegalStateException("The user-rule status schema is malformed", e);
        }
    }

    private static <T> DescriptorProto.Builder message(String name, List<Field<T>> fields) {
        DescriptorProto.Builder m = DescriptorProto.newBuilder().setName(name);
        int number = 0;
        for (Field<T> f : fields) {
            m.addField(switch (f.kind()) {
                case STRING -> field(f.name(), ++number, FieldDescriptorProto.Type.TYPE_STRING, null);
                case INT -> field(f.name(), ++number, FieldDescriptorProto.Type.TYPE_INT64, null);
                case BOOL -> field(f.name(), ++number, FieldDescriptorProto.Type.TYPE_BOOL, null);
                case OPTIONAL_STRING -> field(f.name(), ++number, FieldDescriptorProto.Type.TYPE_MESSAGE, ".google.protobuf.StringValue");
                case OPTIONAL_INT -> field(f.name(), ++number, FieldDescriptorProto.Type.TYPE_MESSAGE, ".google.protobuf.Int64Value");
                case OPTIONAL_BOOL -> field(f.name(), ++number, FieldDescriptorProto.Type.TYPE_MESSAGE, ".google.protobuf.BoolValue");
            });
        }
        return m;
    }

    private static FieldDescriptorProto.Builder field(String name, int number, FieldDescriptorProto.Type type, String typeName) {
        FieldDescriptorProto.Builder f = FieldDescriptorProto.newBuilder()
                .setName(name).setNumber(number).setType(type).setJsonName(name)
                .setLabel(FieldDescriptorProto.Label.LABEL_OPTIONAL);
        return typeName == null ? f : f.setTypeName(typeName);
    }
}
