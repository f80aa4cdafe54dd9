package io.replsentinel.remediation;

import java.sql.SQLException;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The executor's standing refusals, checked on the live instances right before acting: never on a
 * primary (an instance with no replication channel) unless the type is meant to run there
 * ({@code INJECT_EMPTY_TRANSACTIONS} runs on the source by design), and never on the last healthy
 * replica: stopping the one replica that still replicates, to fix it, leaves the cluster with none.
 */
final class SafetyGuard {

    private SafetyGuard() {
    }

    /** The servers a command's statements run on, in order. */
    static Set<String> servers(RemediationCommand command) {
        Set<String> servers = new LinkedHashSet<>();
        for (SqlStatement s : command.sql()) {
            if (s.server() != null) {
                servers.add(s.server());
            }
        }
        return servers;
    }

    /**
     * Why the command must not run now; empty when it may.
     *
     * @param cluster every instance of the command's cluster
     */
    static Optional<String> refusal(RemediationCommand command, Collection<String> cluster, LiveReads live) throws SQLException {
        for (String server : servers(command)) {
            LiveInstance target = live.instance(server);
            if (!target.replica() && command.type() != CommandType.INJECT_EMPTY_TRANSACTIONS) {
                return Optional.of(server + " has no replication channel: it is a primary, and "
                        + command.type() + " never runs on one");
            }
            if (target.healthyReplica() && healthyReplicas(command, target, cluster, live).equals(List.of(server))) {
                return Optional.of(server + " is the last healthy replica of cluster " + command.cluster()
                        + ": acting on it could leave the cluster with none");
            }
        }
        return Optional.empty();
    }

    /**
     * The replicas of the cluster that replicate on every channel now; an unreachable one is not
     * healthy. For SET_SERVER_ID, a replica sharing the target's server_id counts as healthy: MariaDB
     * replicas with one id knock each other off, so the one up at the moment of the read is "the last
     * healthy one" only because of the very clash the command ends.
     */
    private static List<String> healthyReplicas(RemediationCommand command, LiveInstance target, Collection<String> cluster,
                                                LiveReads live) {
        return cluster.stream().filter(id -> {
            try {
                LiveInstance other = live.instance(id);
                return other.healthyReplica() || command.type() == CommandType.SET_SERVER_ID && other.replica()
                        && !id.equals(target.id()) && other.serverId() == target.serverId();
            } catch (SQLException unreachable) {
                return false;
            }
        }).toList();
    }
}
