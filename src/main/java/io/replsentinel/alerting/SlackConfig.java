package io.replsentinel.alerting;

import io.replsentinel.event.Severity;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import jakarta.validation.constraints.Min;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/**
 * Delivery of alert state changes to a Slack incoming webhook: one message per change, on when
 * {@code webhook-url} is set.
 */
@ConfigMapping(prefix = "sentinel.slack")
public interface SlackConfig {

    /**
     * The incoming webhook, {@code https://hooks.slack.com/services/T…/B…/…}; env
     * {@code SENTINEL_SLACK_WEBHOOK_URL}. It is a credential: never logged.
     */
    Optional<URI> webhookUrl();

    /** Per-request timeout; a request that takes longer is retried. */
    @WithDefault("5s")
    Duration timeout();

    /** The least severe alerts posted: {@code info} posts all, {@code critical} only critical ones. */
    @WithDefault("info")
    Severity minSeverity();

    /**
     * Messages held while Slack cannot be reached. Past it the oldest waiting message is dropped and
     * counted in {@code sentinel_notifications_total{receiver="slack",outcome="dropped"}}.
     */
    @WithDefault("1000")
    @Min(1)
    int queueCapacity();

    /** Pause before the first retry of a failed post; it doubles on each further failure. */
    @WithDefault("1s")
    Duration retryInitialBackoff();

    /** Longest pause between retries, so Slack gets the backlog soon after it comes back. */
    @WithDefault("1m")
    Duration retryMaxBackoff();

}
