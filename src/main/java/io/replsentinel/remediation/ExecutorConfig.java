package io.replsentinel.remediation;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.Optional;
import java.util.Set;

/**
 * Settings of the remediation executor ({@code sentinel.remediation}): whether it runs anything at
 * all, which command types it may run, and how long it waits on a server. Off by default: commands
 * are always proposed and published, and run only once the operator turns this on.
 */
@ConfigMapping(prefix = "sentinel.remediation")
public interface ExecutorConfig {

    /**
     * Turns the executor on. Off, nothing is ever run against a server and the remediation account is
     * never used: commands are proposed, approved or rejected, and stay as they are.
     */
    @WithDefault("false")
    boolean execute();

    /**
     * The command types the executor may run (e.g. {@code START_REPLICA_IO_THREAD,SET_SERVER_ID});
     * none when absent. {@code auto} ones run at once, {@code approval} ones after
     * {@code POST /api/commands/{id}/approve}, {@code manual} ones never, whatever this lists.
     */
    Optional<Set<CommandType>> types();

    /** The executor's connections to the servers. */
    Connection connection();

    /** Timeouts of the remediation account's connections. */
    interface Connection {
        /** TCP connect timeout. */
        @WithDefault("3s")
        Duration connectTimeout();

        /** Longest wait for one statement's answer; past it the attempt fails and says so. */
        @WithDefault("30s")
        Duration statementTimeout();
    }

    /** Whether the executor may run this type at all. */
    default boolean runs(CommandType type) {
        return execute() && types().map(t -> t.contains(type)).orElse(false);
    }
}
