package io.replsentinel.remediation;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * One command at a time per cluster inside this process. Across processes the executor relies on
 * status-partition ownership instead ({@link RemediationExecutor}); this lock closes the gap between
 * two commands of one cluster that this node would otherwise run side by side (an auto command and an
 * approval landing together), which could each be safe alone and harmful together.
 */
final class ClusterLocks {

    private final Map<String, ReentrantLock> locks = new ConcurrentHashMap<>();

    /** Runs {@code work} holding the cluster's lock, waiting for a command of the cluster already running. */
    <T> T withLock(String cluster, Supplier<T> work) {
        ReentrantLock lock = locks.computeIfAbsent(cluster, c -> new ReentrantLock(true));
        lock.lock();
        try {
            return work.get();
        } finally {
            lock.unlock();
        }
    }

    /** Whether a command of the cluster runs now (for tests and diagnostics). */
    boolean busy(String cluster) {
        ReentrantLock lock = locks.get(cluster);
        return lock != null && lock.isLocked();
    }
}
