package io.replsentinel.inventory;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A cluster added through the API, as the inventory holds it once read back from the inventory topic:
 * its checked instances, its remediation account and switches, and who added it when.
 */
public record RuntimeCluster(String name, List<WatchedInstance> instances, Optional<Account> remediation,
                             Optional<Boolean> binlogListener, Instant addedAt, String addedBy) {

    public RuntimeCluster {
        instances = List.copyOf(instances);
    }
}
