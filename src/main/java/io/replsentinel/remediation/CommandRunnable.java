package io.replsentinel.remediation;

/**
 * CDI event, fired asynchronously (observe with {@code @ObservesAsync}) by the {@link CommandBook}
 * when a verified command becomes runnable by its safety: a new {@code auto} proposal, or an
 * {@code approval} command that was approved. Whether it then runs (execute on, type enabled,
 * condition still true) is the executor's decision.
 */
public record CommandRunnable(RemediationCommand command) {
}
