package io.replsentinel.rules;

/** A record the engine cannot use; {@code reason} is a short label for metrics and the DLQ. */
public class MalformedRecordException extends RuntimeException {
    private final String reason;

    public MalformedRecordException(String reason, String detail) {
        super(reason + ": " + detail);
        this.reason = reason;
    }

    public String reason() {
        return reason;
    }
}
