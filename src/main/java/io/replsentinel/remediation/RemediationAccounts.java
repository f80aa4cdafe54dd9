package io.replsentinel.remediation;

import io.replsentinel.inventory.Secret;
import io.replsentinel.inventory.SentinelConfig;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.Optional;

/**
 * The remediation account of each cluster ({@code sentinel.clusters.<name>.remediation-user} /
 * {@code -password}): the only credentials the executor logs in with. The monitoring user is never
 * a fallback: a monitor that can also change replication is the account an attacker wants.
 */
@ApplicationScoped
public class RemediationAccounts {

    /** One account; the password cannot leak through {@code toString}. */
    public record Account(String user, Secret password) {
    }

    private final SentinelConfig config;

    public RemediationAccounts(SentinelConfig config) {
        this.config = config;
    }

    /** The cluster's remediation account; empty when the inventory names none. */
    public Optional<Account> of(String cluster) {
        SentinelConfig.Cluster c = config.clusters().get(cluster);
        if (c == null || c.remediationUser().isEmpty() || c.remediationUser().get().isBlank()) {
            return Optional.empty();
        }
        return Optional.of(new Account(c.remediationUser().get(), new Secret(c.remediationPassword().orElse(""))));
    }
}
