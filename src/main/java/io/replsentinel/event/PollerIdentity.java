package io.replsentinel.event;

import java.util.UUID;

/**
 * Which service node produced a status, and under which consumer-group generation it owned the
 * cluster: a status from a node that has since lost the cluster can be told apart and ignored.
 *
 * @param node       the node's stable name ({@code sentinel.node.name}, the host name by default)
 * @param generation the group generation under which the node polled the cluster; 0 when polling
 *                   is not shared between nodes
 * @param epoch      identifies one start of the service process: a restarted poller starts its
 *                   sequence again at 1 under a new epoch. Only ever compared for equality, never
 *                   ordered, so a clock stepped back between two starts cannot make the newer look older
 *                   (null from pollers that predate it)
 */
public record PollerIdentity(String node, long generation, String epoch) {

    /** This process's epoch: the start time for the reader's benefit, and a random part for uniqueness. */
    public static final String PROCESS_EPOCH = java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
            + "/" + UUID.randomUUID().toString().substring(0, 8);

    /** This process's poller on {@code node} under {@code generation}. */
    public PollerIdentity(String node, long generation) {
        this(node, generation, PROCESS_EPOCH);
    }
}
