package io.replsentinel.remediation;

/**
 * The life of a command: {@code proposed} may be approved (unless manual), rejected, expired,
 * executed, failed or refused; {@code approved} may still end in any final state; final states
 * never change and nothing goes back to {@code proposed}.
 */
final class CommandTransitions {

    private CommandTransitions() {
    }

    static boolean allowed(RemediationCommand current, CommandState to) {
        if (current.state().terminal() || to == CommandState.proposed || to == current.state()) {
            return false;
        }
        if (to == CommandState.approved) {
            return current.state() == CommandState.proposed && current.safety() != Safety.manual;
        }
        return true;
    }

    /** Runnable by its safety: an open auto command, or an approved one. */
    static boolean runnable(RemediationCommand c) {
        return (c.state() == CommandState.proposed && c.safety() == Safety.auto) || c.state() == CommandState.approved;
    }
}
