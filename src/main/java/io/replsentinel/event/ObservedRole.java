package io.replsentinel.event;

/** The role an instance plays, from what it says about itself (not from the inventory). */
public enum ObservedRole {
    primary, replica, intermediate, unknown;

    /**
     * A replica has a replication channel; an intermediate also serves replicas; a primary
     * serves replicas or is writable with no channel. Unreachable instances are unknown.
     */
    public static ObservedRole of(ReplicationStatus s) {
        if (!s.reachable()) {
            return unknown;
        }
        boolean hasChannels = !s.channels().isEmpty();
        boolean hasReplicas = !s.replicas().isEmpty();
        if (hasChannels) {
            return hasReplicas ? intermediate : replica;
        }
        if (hasReplicas || Boolean.FALSE.equals(s.readOnly())) {
            return primary;
        }
        return unknown;
    }
}
