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
}
