package io.replsentinel.inventory;

/** A cluster of that name is already watched; {@code configured} when it comes from {@code sentinel.clusters}. */
public class ClusterExistsException extends RuntimeException {
    private final boolean configured;

    public ClusterExistsException(String cluster, boolean configured) {
        super("cluster " + cluster + (configured ? " is defined in the configuration (sentinel.clusters)" : " exists"));
        this.configured = configured;
    }

    public boolean configured() {
        return configured;
    }
}
