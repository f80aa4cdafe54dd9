package io.replsentinel.api;

import io.replsentinel.event.Alert;
import io.replsentinel.event.ObservedRole;
import io.replsentinel.event.ReplicationStatus;
import io.replsentinel.fleet.FleetView;
import io.replsentinel.inventory.Inventory;
import io.replsentinel.inventory.WatchedInstance;
import io.replsentinel.rules.ObservedTopology;
import io.replsentinel.rules.ClusterStates;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * {@code GET /api/clusters[/{cluster}]}: the inventory with each instance's latest status and the
 * firing alerts; with a shared fleet, of every cluster, whichever node works it ({@link FleetView}).
 */
@Path("/api/clusters")
@Produces(MediaType.APPLICATION_JSON)
public class ClustersResource {

    /** One instance: what the inventory says and what the latest poll saw. */
    public record InstanceView(String instance, String expectedRole, String observedRole, Map<String, String> labels,
                               ReplicationStatus status) {
    }

    /** One cluster: its instances, the replication edges between them, and what fires. */
    public record ClusterDetail(String cluster, String primary, List<InstanceView> instances,
                                List<ObservedTopology.Edge> edges, List<Alert> firingAlerts) {
    }

    /** A line of the cluster list. */
    public record ClusterSummary(String cluster, int instances, int firingAlerts) {
    }

    private final Inventory inventory;
    private final ClusterStates states;
    private final FleetView fleet;

    public ClustersResource(Inventory inventory, ClusterStates states, FleetView fleet) {
        this.inventory = inventory;
        this.states = states;
        this.fleet = fleet;
    }

    /** With a shared fleet, every cluster from the fleet-wide read model; else this node's own. */
    private List<Alert> firing(String cluster) {
        return fleet.enabled() ? fleet.firing(cluster) : states.firing(cluster);
    }

    private List<ReplicationStatus> statuses(String cluster) {
        return fleet.enabled() ? fleet.statuses(cluster) : states.statuses(cluster).orElse(List.of());
    }

    private ObservedTopology topology(String cluster) {
        if (fleet.enabled()) {
            return ObservedTopology.of(cluster, fleet.statuses(cluster));
        }
        return states.topology(cluster).orElse(new ObservedTopology(null, Map.of(), List.of()));
    }

    @GET
    public List<ClusterSummary> clusters() {
        return inventory.clusters().entrySet().stream()
                .map(e -> new ClusterSummary(e.getKey(), e.getValue().size(), firing(e.getKey()).size()))
                .toList();
    }

    @GET
    @Path("/{cluster}")
    public ClusterDetail cluster(@PathParam("cluster") String cluster) {
        List<WatchedInstance> instances = inventory.clusters().get(cluster);
        if (instances == null) {
            throw new NotFoundException("no cluster named " + cluster);
        }
        List<ReplicationStatus> seen = statuses(cluster);
        Map<String, ReplicationStatus> latest = seen.stream()
                .collect(Collectors.toMap(ReplicationStatus::instance, Function.identity(), (a, b) -> b));
        ObservedTopology topology = fleet.enabled() ? ObservedTopology.of(cluster, seen) : topology(cluster);
        List<InstanceView> views = new ArrayList<>();
        for (WatchedInstance w : instances) {
            ReplicationStatus s = latest.get(w.id());
            views.add(new InstanceView(w.id(), w.expectedRole().orElse(null),
                    topology.roles().getOrDefault(w.id(), ObservedRole.unknown.name()), w.labels(), s));
        }
        return new ClusterDetail(cluster, topology.primary(), views, topology.edges(), firing(cluster));
    }
}
