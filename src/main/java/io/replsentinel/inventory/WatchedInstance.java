package io.replsentinel.inventory;

import java.util.Map;
import java.util.Optional;

/**
 * One instance the poller watches, resolved from the inventory: where it is, how to log in, what
 * role it is expected to have and the free labels its alerts carry.
 */
public record WatchedInstance(
        String cluster,
        String host,
        int port,
        String user,
        Secret password,
        Optional<String> expectedRole,
        Map<String, String> labels,
        boolean heartbeat) {

    public WatchedInstance {
        labels = Map.copyOf(labels);
    }

    /** The instance id used everywhere: {@code host:port}. */
    public String id() {
        return host + ":" + port;
    }

    @Override
    public String toString() {
        return cluster + "/" + id();
    }
}
