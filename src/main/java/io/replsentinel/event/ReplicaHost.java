package io.replsentinel.event;

/** A replica as its source lists it (SHOW REPLICAS / SHOW SLAVE HOSTS). */
public record ReplicaHost(Long serverId, String host, Integer port, String uuid) {
}
