package io.replsentinel.rules.user;

import io.replsentinel.event.Severity;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;
import io.smallrye.config.WithParentName;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * Alert rules the user adds in configuration, beside the built-in detector catalogue; each is
 * compiled once at start-up by {@link UserRules}, so a bad rule stops the service with its key
 * named. See {@code docs/user-rules.md}.
 *
 * <pre>
 * sentinel.user-rules.ReplicaWritable.expr=status.expectedRole == 'replica' &amp;&amp; status.readOnly == false
 * sentinel.user-rules.ReplicaWritable.severity=critical
 * </pre>
 */
@ConfigMapping(prefix = "sentinel.user-rules")
public interface UserRulesConfig {

    /**
     * The rules by alertname: the key is the alert's {@code alertname}, so it must look like one
     * ({@code ^[A-Z][A-Za-z0-9]+$}) and must not be a built-in alertname.
     */
    @WithParentName
    Map<String, Rule> rules();

    /** One user rule. */
    interface Rule {
        /**
         * A CEL expression that is true while the condition holds. It reads {@code status} (the
         * instance's poll) and, when it mentions {@code channel}, is evaluated once per replication
         * channel with that channel as {@code channel}. Required.
         */
        String expr();

        /**
         * How long the expression must stay true before the alert fires; pending until then, as in
         * Prometheus. Zero fires on the first matching poll.
         */
        @WithName("for")
        @WithDefault("0s")
        Duration forDuration();

        /** The alert's {@code severity} label, which Alertmanager routes usually match on. */
        @WithDefault("warning")
        Severity severity();

        /**
         * Extra labels on the alert, e.g. {@code team=dba}. The names the engine sets itself
         * ({@code alertname}, {@code cluster}, {@code instance}, {@code severity}, {@code channel})
         * are refused.
         */
        Map<String, String> labels();

        Annotations annotations();
    }

    /**
     * How the alert reads. Both may quote a label as {@code {{ $labels.instance }}}; a label the
     * alert does not carry reads as empty.
     */
    interface Annotations {
        /** One line; defaults to the alertname and the instance (and channel). */
        Optional<String> summary();

        /** Defaults to the expression that matched. */
        Optional<String> description();
    }
}
