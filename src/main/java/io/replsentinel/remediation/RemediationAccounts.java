package io.replsentinel.remediation;

import io.replsentinel.inventory.Inventory;
import io.replsentinel.inventory.Secret;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.Optional;

/**
 * The remediation account of each cluster ({@code sentinel.clusters.<name>.remediation-user} /
 * {@code -password}, or given when the cluster was added at runtime): the only credentials the
 * executor logs in with. The monitoring user is never
 * a fallback: a monitor that can also change replication is the account an attacker wants.
 */
@ApplicationScoped
public class RemediationAccounts {

    /** One account; the password cannot leak through {@code toString}. */
    public record Account(String user, Secret password) {
    }

    private final Inventory inventory;

    public RemediationAccounts(Inventory inventory) {
        this.inventory = inventory;
    }

    /** The cluster's remediation account; empty when the inventory names none. */
    public Optional<Account> of(String cluster) {
        return inventory.remediationAccount(cluster)
                .filter(a -> a.user() != null && !a.user().isBlank())
                .map(a -> new Account(a.user(), a.password()));
    }
}
