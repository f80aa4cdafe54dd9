package io.replsentinel.event;

import java.util.Optional;

/**
 * The severities an alert carries in its {@code severity} label, as the contract names them;
 * the one vocabulary of the detector catalogue, the user rules and the delivery filters. The
 * constant's name is its wire form (labels, config values), and the order is least severe first,
 * so that {@code compareTo} reads "at least as severe as".
 */
public enum Severity {
    info, warning, critical;

    /** The severity a label names, or empty for a label outside the vocabulary. */
    public static Optional<Severity> ofLabel(String label) {
        for (Severity s : values()) {
            if (s.name().equals(label)) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }
}
