package io.replsentinel.inventory;

import java.util.Set;

/**
 * CDI event fired when the set of watched clusters changes at runtime (a cluster added or removed
 * through the API, or the share of the fleet this node owns moved).
 */
public record InventoryChanged(Set<String> addedClusters, Set<String> removedClusters) {
}
