package io.replsentinel.rules;

import io.replsentinel.event.ChannelStatus;
import io.replsentinel.event.ObservedRole;
import io.replsentinel.event.ReplicationStatus;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A cluster as its servers describe it: each instance's observed role and who replicates from whom,
 * per channel. {@code source} is the instance id when the source is an instance of the cluster,
 * else the configured {@code host:port}, with {@code inCluster} false.
 */
public record ObservedTopology(String primary, Map<String, String> roles, List<Edge> edges) {

    /** One replication channel: the replica pulls from the source. */
    public record Edge(String replica, String channel, String source, boolean inCluster, String ioState, String sqlState,
                       Long secondsBehindSource) {
    }

    /** Roles and edges of a cluster whose latest statuses are these (the fleet-wide read model's). */
    public static ObservedTopology of(String cluster, java.util.Collection<io.replsentinel.event.ReplicationStatus> statuses) {
        ClusterView view = new ClusterView(cluster);
        statuses.forEach(view::update);
        return of(view);
    }

    static ObservedTopology of(ClusterView view) {
        Map<String, String> roles = new LinkedHashMap<>();
        List<Edge> edges = new ArrayList<>();
        String primary = view.primary().map(ReplicationStatus::instance).orElse(null);
        for (ReplicationStatus s : view.instances()) {
            // the view's primary is primary even while read-only mid-switchover, as every detector takes it
            roles.put(s.instance(), s.instance().equals(primary) && s.reachable() ? ObservedRole.primary.name()
                    : ObservedRole.of(s).name());
            for (ChannelStatus ch : s.channels()) {
                String source = view.sourceOf(ch).map(ReplicationStatus::instance).orElse(null);
                edges.add(new Edge(s.instance(), ch.name(), source != null ? source : ch.sourceHost() + ":" + ch.sourcePort(),
                        source != null, ch.ioState(), ch.sqlState(), ch.secondsBehindSource()));
            }
        }
        return new ObservedTopology(primary, roles, edges);
    }
}
