package io.replsentinel.alerting;

import io.replsentinel.event.Alert;

/**
 * CDI event, fired synchronously by the {@link AlertDispatcher} for every alert state change it
 * hands to the sinks (fired or resolved), in the order the rules engine produced them. Remediation
 * observes it to propose and expire commands; an observer must be quick and must not throw.
 */
public record AlertTransition(Alert alert) {
}
