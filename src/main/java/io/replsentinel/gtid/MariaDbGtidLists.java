package io.replsentinel.gtid;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/** Reads and writes MariaDB's comma-separated GTID lists, shared by positions and binlog states. */
final class MariaDbGtidLists {

    private MariaDbGtidLists() {
    }

    /** The GTIDs of {@code text} in the order written; blank text is an empty list. */
    static List<MariaDbGtid> parse(String text, String what) {
        Objects.requireNonNull(text, what + " text");
        List<MariaDbGtid> gtids = new ArrayList<>();
        if (text.isBlank()) {
            return gtids;
        }
        for (String part : text.split(",", -1)) {
            if (part.isBlank()) {
                throw new IllegalArgumentException("empty element in " + what + " '" + text.strip() + "'");
            }
            try {
                gtids.add(MariaDbGtid.parse(part));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(e.getMessage() + " in " + what + " '" + text.strip() + "'", e);
            }
        }
        return gtids;
    }

    /** MariaDB's comma-separated form of GTIDs, in the order given. */
    static String join(Collection<MariaDbGtid> gtids) {
        return gtids.stream().map(MariaDbGtid::toString).collect(Collectors.joining(","));
    }
}
