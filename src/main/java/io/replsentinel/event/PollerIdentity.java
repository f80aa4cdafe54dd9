package io.replsentinel.event;

/**
 * Which service node produced a status, and under which consumer-group generation it owned the
 * cluster: a status from a node that has since lost the cluster can be told apart and ignored.
 *
 * @param node       the node's stable name ({@code sentinel.node.name}, the host name by default)
 * @param generation the group generation under which the node polled the cluster; 0 when polling
 *                   is not shared between nodes
 */
public record PollerIdentity(String node, long generation) {
}
