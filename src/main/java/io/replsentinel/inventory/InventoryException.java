package io.replsentinel.inventory;

/** A malformed inventory; its message names the configuration key at fault. */
public class InventoryException extends RuntimeException {
    private final String key;

    public InventoryException(String key, String problem) {
        super("Invalid configuration " + key + ": " + problem);
        this.key = key;
    }

    public String key() {
        return key;
    }
}
