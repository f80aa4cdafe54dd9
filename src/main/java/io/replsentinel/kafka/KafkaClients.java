package io.replsentinel.kafka;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Settings for the Kafka clients the service builds itself (not through the messaging connector):
 * the user's {@code kafka.*} settings that such a client knows (bootstrap servers, security, ...),
 * under the client's own.
 */
public final class KafkaClients {

    private KafkaClients() {
    }

    /**
     * @param defaults the {@code default-kafka-broker} map: every {@code kafka.*} setting, prefix removed
     * @param known    the client's setting names ({@code ProducerConfig.configNames()}, ...)
     * @param own      what this client sets itself; wins over {@code defaults}
     */
    public static Map<String, Object> config(Map<String, Object> defaults, Set<String> known, Map<String, Object> own) {
        Map<String, Object> result = new HashMap<>();
        defaults.forEach((key, value) -> {
            if (known.contains(key)) {
                result.put(key, value);
            }
        });
        result.putAll(own);
        return result;
    }
}
