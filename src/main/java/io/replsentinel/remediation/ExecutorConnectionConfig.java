package io.replsentinel.remediation;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/**
 * Timeouts of the remediation executor's connections ({@code sentinel.remediation.connection}); whether
 * it runs at all and which types are {@link RemediationConfig}'s {@code execute} and {@code types}.
 */
@ConfigMapping(prefix = "sentinel.remediation.connection")
public interface ExecutorConnectionConfig {

    /** TCP connect timeout of the remediation account's connections. */
    @WithDefault("3s")
    Duration connectTimeout();

    /** Longest wait for one statement's answer; past it the attempt fails and says so. */
    @WithDefault("30s")
    Duration statementTimeout();
}
