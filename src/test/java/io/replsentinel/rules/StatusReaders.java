package io.replsentinel.rules;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.replsentinel.event.ReplicationStatus;

import java.util.function.Function;

/** Lets benchmarks read a record's value exactly as the rules engine does; {@link StatusReader} stays package-private. */
public final class StatusReaders {

    private StatusReaders() {
    }

    public static Function<String, ReplicationStatus> reader(ObjectMapper json) {
        return new StatusReader(json)::read;
    }

    /** A read of a record's bytes with no view to reuse values from. */
    public static Function<byte[], ReplicationStatus> bytesReader(ObjectMapper json) {
        StatusReader reader = new StatusReader(json);
        return value -> reader.read(value, StatusJson.Previous.NONE);
    }

    /** The engine's own read of a record's bytes, reusing the values of the statuses in its view. */
    public static Function<byte[], ReplicationStatus> reader(RulesEngine engine) {
        return engine::read;
    }
}
