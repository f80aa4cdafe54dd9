package io.replsentinel.rules;

import io.replsentinel.event.ReplicationStatus;
import io.replsentinel.gtid.MariaDbGtidState;
import io.replsentinel.gtid.MySqlGtidSet;

import java.util.Objects;

/**
 * The GTID set each instance reported last, parsed once: a set whose text did not change since the
 * instance's previous status is not parsed again (most polls of a quiet cluster repeat the last).
 * The same value, or the same {@link IllegalArgumentException}, as parsing the text now.
 */
final class ParsedGtidSets {

    /** The text, and what parsing it gave: a MySqlGtidSet, a MariaDbGtidState or the parse error. */
    private record Parsed(String text, boolean mariadb, Object value) {
    }

    private final PerInstance<Parsed> last = new PerInstance<>();

    /** {@code MySqlGtidSet.parse(text)} for this instance's status. */
    MySqlGtidSet mysql(ReplicationStatus s, String text) {
        return (MySqlGtidSet) parsed(s, text, false);
    }

    /** {@code MariaDbGtidState.parse(text)} for this instance's status. */
    MariaDbGtidState mariadb(ReplicationStatus s, String text) {
        return (MariaDbGtidState) parsed(s, text, true);
    }

    private Object parsed(ReplicationStatus s, String text, boolean mariadb) {
        Objects.requireNonNull(text, "GTID set text");
        Parsed p = last.get(s.cluster(), s.instance());
        if (p == null || p.mariadb() != mariadb || !p.text().equals(text)) {
            Object value;
            try {
                value = mariadb ? MariaDbGtidState.parse(text) : MySqlGtidSet.parse(text);
            } catch (IllegalArgumentException e) {
                value = e;
            }
            p = new Parsed(text, mariadb, value);
            last.put(s.cluster(), s.instance(), p);
        }
        if (p.value() instanceof IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        return p.value();
    }
}
