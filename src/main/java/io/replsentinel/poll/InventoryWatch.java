package io.replsentinel.poll;

import io.replsentinel.fleet.FleetConfig;
import io.replsentinel.inventory.Inventory;
import io.replsentinel.inventory.InventoryChanged;
import io.replsentinel.inventory.WatchedInstance;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Starts and stops polling as clusters join and leave the inventory at runtime
 * ({@link InventoryChanged}): the instances of an added cluster are watched, those of a removed one
 * unwatched. With a shared fleet, {@link io.replsentinel.fleet.ClusterOwnership} does this for the
 * clusters this node owns, and this watch stands aside.
 */
@ApplicationScoped
public class InventoryWatch {

    private final Inventory inventory;
    private final PollScheduler scheduler;
    private final FleetConfig fleet;
    /** The instances each cluster had when it was added: the inventory no longer has them once it is removed. */
    private final Map<String, List<WatchedInstance>> watched = new ConcurrentHashMap<>();

    public InventoryWatch(Inventory inventory, PollScheduler scheduler, FleetConfig fleet) {
        this.inventory = inventory;
        this.scheduler = scheduler;
        this.fleet = fleet;
    }

    /** The clusters read at start-up, which {@link PollScheduler} starts by itself. */
    void start(@Observes io.quarkus.runtime.StartupEvent event) {
        watched.putAll(inventory.clusters());
    }

    void changed(@Observes InventoryChanged change) {
        if (fleet.enabled()) {
            return;
        }
        for (String cluster : change.removedClusters()) {
            List<WatchedInstance> gone = watched.remove(cluster);
            (gone != null ? gone : List.<WatchedInstance>of()).forEach(w -> scheduler.unwatch(w.id()));
        }
        for (String cluster : change.addedClusters()) {
            List<WatchedInstance> instances = inventory.clusters().getOrDefault(cluster, List.of());
            watched.put(cluster, instances);
            instances.forEach(scheduler::watch);
        }
    }
}
