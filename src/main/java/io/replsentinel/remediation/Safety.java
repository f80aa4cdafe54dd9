package io.replsentinel.remediation;

/**
 * How a command may run once the executor is on: {@code auto} at once, {@code approval} after
 * {@code POST /api/commands/{id}/approve}, {@code manual} never by the service.
 */
public enum Safety {
    auto, approval, manual
}
