package io.replsentinel.remediation;

import io.replsentinel.inventory.SentinelConfig;

import java.sql.SQLException;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

/**
 * One attempt at one command, on fresh connections of the remediation account: re-read the
 * instances, re-check the condition ({@link Preconditions}: cleared means {@code expired}, nothing
 * runs), apply the standing refusals ({@link SafetyGuard}: {@code failed}, nothing runs), then run
 * the statements ({@link StatementRunner}: {@code executed} or {@code failed}). The caller holds the
 * cluster's lock and has checked that this node owns the cluster.
 */
final class CommandAttempt {

    /** The state the command ends in, and the result it carries; null when the node lost the cluster before running. */
    record Outcome(CommandState state, String result) {
    }

    private CommandAttempt() {
    }

    /**
     * @param cluster every instance id of the command's cluster
     * @param owner   asked once more right before the first statement: whether this node still owns the cluster
     */
    static Outcome run(RemediationCommand c, Collection<String> cluster, RemediationAccounts.Account account,
                       SentinelConfig.Poll poll, ExecutorConnectionConfig timeouts, BooleanSupplier owner) {
        List<SqlStatement> statements = c.sql().stream().filter(s -> s.server() != null).toList();
        List<SqlStatement> byHand = c.sql().stream().filter(s -> s.server() == null).toList();
        if (statements.isEmpty()) {
            return new Outcome(CommandState.failed, "not run: it holds only steps for an operator, which the service never runs");
        }
        for (SqlStatement s : statements) {
            if (!cluster.contains(s.server())) {
                return new Outcome(CommandState.failed, "not run: " + s.server() + " is not an instance of cluster " + c.cluster());
            }
        }
        try (LiveReads live = new LiveReads(account, poll, timeouts)) {
            Optional<String> cleared;
            Optional<String> refused;
            try {
                cleared = Preconditions.cleared(c, live);
                refused = cleared.isPresent() ? Optional.empty() : SafetyGuard.refusal(c, cluster, live);
            } catch (SQLException e) {
                return new Outcome(CommandState.failed, "not run: could not re-read the instances with the remediation account: "
                        + e.getErrorCode() + " " + e.getMessage());
            }
            if (cleared.isPresent()) {
                return new Outcome(CommandState.expired, "not run: the condition no longer holds: " + cleared.get());
            }
            if (refused.isPresent()) {
                return new Outcome(CommandState.failed, "not run: " + refused.get());
            }
            if (!owner.getAsBoolean()) {
                return null;
            }
            StatementRunner.Ran ran = StatementRunner.run(statements, live);
            // a step written for a person (MariaDB's option-file line) is theirs: the result says it is still to do
            String left = byHand.isEmpty() || !ran.ok() ? "" : "; left to the operator: "
                    + byHand.stream().map(SqlStatement::statement).collect(Collectors.joining(" / "));
            return new Outcome(ran.ok() ? CommandState.executed : CommandState.failed, ran.result() + left);
        }
    }
}
