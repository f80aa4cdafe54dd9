package io.replsentinel.divergence;

import java.util.List;
import java.util.Optional;

/**
 * A range of a table's key: rows with key above {@code lower} (exclusive) and up to {@code upper}
 * (inclusive); an empty bound is open. The chunks of one pass tile the whole key space, so rows
 * only the replica has are inside some chunk too.
 */
public record KeyRange(Optional<List<String>> lower, Optional<List<String>> upper) {

    public static final KeyRange ALL = new KeyRange(Optional.empty(), Optional.empty());

    public KeyRange {
        lower = lower.map(List::copyOf);
        upper = upper.map(List::copyOf);
    }

    public static KeyRange of(List<String> lowerExclusive, List<String> upperInclusive) {
        return new KeyRange(Optional.ofNullable(lowerExclusive), Optional.ofNullable(upperInclusive));
    }

    @Override
    public String toString() {
        return "(" + lower.map(String::valueOf).orElse("-inf") + ", " + upper.map(String::valueOf).orElse("+inf") + "]";
    }
}
