package io.replsentinel.rules;

import io.replsentinel.inventory.Inventory;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.Set;

/** {@link KnownClusters} from the start-up inventory ({@code sentinel.clusters}). */
@ApplicationScoped
public class InventoryClusters implements KnownClusters {

    private final Inventory inventory;

    public InventoryClusters(Inventory inventory) {
        this.inventory = inventory;
    }

    @Override
    public boolean contains(String cluster) {
        return inventory.clusters().containsKey(cluster);
    }

    @Override
    public Set<String> instances(String cluster) {
        return inventory.instanceIds(cluster);
    }
}
