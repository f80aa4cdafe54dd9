package io.replsentinel.remediation;

/** A state change the command's life does not allow, e.g. approving an expired one (the API answers 409). */
public class IllegalCommandTransitionException extends IllegalStateException {

    public IllegalCommandTransitionException(String message) {
        super(message);
    }
}
