package io.replsentinel.binlog;

import java.util.HashSet;
import java.util.Set;

/**
 * Hands out the server_ids the listeners join with: the lowest id of the configured range that no
 * polled server reports and no other listener of this service holds.
 */
final class ServerIdAllocator {

    private final long min;
    private final long max;
    private final Set<Long> held = new HashSet<>();

    ServerIdAllocator(long min, long max) {
        if (min > max) {
            throw new IllegalArgumentException("sentinel.binlog.server-id-min (" + min
                    + ") is above sentinel.binlog.server-id-max (" + max + ")");
        }
        this.min = min;
        this.max = max;
    }

    /** The lowest free id, now held until {@link #release}. */
    synchronized long allocate(Set<Long> seen) {
        for (long id = min; id <= max; id++) {
            if (!seen.contains(id) && !held.contains(id)) {
                held.add(id);
                return id;
            }
        }
        throw new IllegalStateException("no free server_id left in sentinel.binlog.server-id-min.."
                + "server-id-max (" + min + ".." + max + ")");
    }

    synchronized void release(long id) {
        held.remove(id);
    }

    synchronized Set<Long> held() {
        return Set.copyOf(held);
    }
}
