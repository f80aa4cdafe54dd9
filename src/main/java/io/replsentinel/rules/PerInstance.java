package io.replsentinel.rules;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A value a detector keeps per instance of every cluster it sees, found without building a
 * {@code cluster/instance} key on every status. Safe for clusters evaluated on different threads.
 */
final class PerInstance<T> {

    private final Map<String, Map<String, T>> byCluster = new ConcurrentHashMap<>();

    T get(String cluster, String instance) {
        Map<String, T> m = byCluster.get(cluster);
        return m == null ? null : m.get(instance);
    }

    void put(String cluster, String instance, T value) {
        byCluster.computeIfAbsent(cluster, c -> new ConcurrentHashMap<>()).put(instance, value);
    }

    void remove(String cluster, String instance) {
        Map<String, T> m = byCluster.get(cluster);
        if (m != null) {
            m.remove(instance);
        }
    }
}
