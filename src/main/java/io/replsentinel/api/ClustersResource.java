package io.replsentinel.api;

import io.replsentinel.event.Alert;
import io.replsentinel.event.ObservedRole;
import io.replsentinel.event.ReplicationStatus;
import io.replsentinel.inventory.Inventory;
import io.replsentinel.inventory.WatchedInstance;
import io.replsentinel.rules.ObservedTopology;
import io.replsentinel.rules.ClusterStates;
import io.replsentinel.api.auth.ApiRole;
import jakarta.annotation.security.RolesAllowed;
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

/** {@code GET /api/clusters[/{cluster}]}: the inventory with each instance's latest status and the firing alerts. */
@RolesAllowed(ApiRole.READ)
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

    public ClustersResource(Inventory inventory, ClusterStates states) {
        this.inventory = inventory;
        this.states = states;
    }

    @GET
    public List<ClusterSummary> clusters() {
        return inventory.clusters().entrySet().stream()
                .map(e -> new ClusterSummary(e.getKey(), e.getValue().size(), states.firing(e.getKey()).size()))
                .toList();
    }

    @GET
    @Path("/{cluster}")
    public ClusterDetail cluster(@PathParam("cluster") String cluster) {
        List<WatchedInstance> instances = inventory.clusters().get(cluster);
        if (instances == null) {
            throw new NotFoundException("no cluster named " + cluster);
        }
        Map<String, ReplicationStatus> latest = states.statuses(cluster).orElse(List.of()).stream()
                .collect(Collectors.toMap(ReplicationStatus::instance, Function.identity()));
        ObservedTopology topology = states.topology(cluster).orElse(new ObservedTopology(null, Map.of(), List.of()));
        List<InstanceView> views = new ArrayList<>();
        for (WatchedInstance w : instances) {
            ReplicationStatus s = latest.get(w.id());
            views.add(new InstanceView(w.id(), w.expectedRole().orElse(null),
                    topology.roles().getOrDefault(w.id(), ObservedRole.unknown.name()), w.labels(), s));
        }
        return new ClusterDetail(cluster, topology.primary(), views, topology.edges(), states.firing(cluster));
    }
}
