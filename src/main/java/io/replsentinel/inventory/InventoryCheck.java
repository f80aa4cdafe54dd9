package io.replsentinel.inventory;

import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.interceptor.Interceptor;

/**
 * Builds the {@link Inventory} first thing at start-up, before Kafka topics or channels, so that a
 * malformed inventory stops the service at once with the key named.
 */
@ApplicationScoped
public class InventoryCheck {

    void check(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE - 1) StartupEvent event, Inventory inventory) {
        inventory.clusters();
    }
}
