package io.replsentinel.divergence;

import java.util.List;

/** One row that differs between a source and a replica, by its key. */
record RowDifference(List<String> key, Kind kind) {

    enum Kind {
        /** Both have the row, with different values. */
        changed,
        /** The source has it, the replica does not. */
        missing_on_replica,
        /** The replica has it, the source does not. */
        extra_on_replica
    }
}
