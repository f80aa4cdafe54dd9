package io.replsentinel.remediation;

/** Where a command is in its life; every change is re-published on the commands topic. */
public enum CommandState {
    proposed, approved, rejected, executed, failed, expired, refused;

    /** No further transition is possible from a terminal state. */
    public boolean terminal() {
        return this != proposed && this != approved;
    }
}
