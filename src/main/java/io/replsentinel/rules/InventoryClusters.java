package io.replsentinel.rules;

import io.replsentinel.inventory.Inventory;
import io.replsentinel.inventory.WatchedInstance;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

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
        List<WatchedInstance> instances = inventory.clusters().get(cluster);
        if (instances == null) {
            return Set.of();
        }
        return instances.stream().map(WatchedInstance::id).collect(Collectors.toUnmodifiableSet());
    }
}
