package io.replsentinel.api;

import io.replsentinel.event.Alert;
import io.replsentinel.event.ObservedRole;
import io.replsentinel.event.ReplicationStatus;
import io.replsentinel.fleet.FleetView;
import io.replsentinel.inventory.Inventory;
import io.replsentinel.inventory.WatchedInstance;
import io.replsentinel.rules.ObservedTopology;
import io.replsentinel.rules.ClusterStates;
import io.replsentinel.api.auth.ApiRole;
import jakarta.annotation.security.RolesAllowed;
import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.security.identity.SecurityIdentity;
import io.replsentinel.inventory.ClusterDefinition;
import io.replsentinel.inventory.runtime.InventoryTopic;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
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
 * firing alerts, with a shared fleet of every cluster whichever node works it ({@link FleetView});
 * {@code POST /api/clusters} and {@code DELETE /api/clusters/{cluster}} (admin role): clusters added
 * and removed at runtime, through the inventory topic so that every node watches them.
 */
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

    /** A line of the cluster list; {@code source} is {@code config} or {@code runtime} (added through the API). */
    public record ClusterSummary(String cluster, int instances, int firingAlerts, String source) {
    }

    private final Inventory inventory;
    private final ClusterStates states;
    private final InventoryTopic topic;
    private final ClusterDefinitions definitions;
    private final SecurityIdentity identity;
    private final FleetView fleet;

    public ClustersResource(Inventory inventory, ClusterStates states, InventoryTopic topic,
                            ClusterDefinitions definitions, SecurityIdentity identity, FleetView fleet) {
        this.inventory = inventory;
        this.states = states;
        this.topic = topic;
        this.definitions = definitions;
        this.identity = identity;
        this.fleet = fleet;
    }

    /** The clusters this node works from its own engine; with a shared fleet, the others' from the fleet-wide read model. */
    private List<Alert> firing(String cluster) {
        return fleet.answersFor(cluster) ? fleet.firing(cluster) : states.firing(cluster);
    }

    private List<ReplicationStatus> statuses(String cluster) {
        return fleet.answersFor(cluster) ? fleet.statuses(cluster) : states.statuses(cluster).orElse(List.of());
    }

    private ObservedTopology topology(String cluster) {
        if (fleet.answersFor(cluster)) {
            return ObservedTopology.of(cluster, fleet.statuses(cluster));
        }
        return states.topology(cluster).orElse(new ObservedTopology(null, Map.of(), List.of()));
    }

    @GET
    public List<ClusterSummary> clusters() {
        return inventory.clusters().entrySet().stream()
                .map(e -> new ClusterSummary(e.getKey(), e.getValue().size(), firing(e.getKey()).size(),
                        inventory.isConfigured(e.getKey()) ? "config" : "runtime"))
                .toList();
    }

    @POST
    @RolesAllowed(ApiRole.ADMIN)
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Add a cluster at runtime", description = "A definition shaped like sentinel.clusters.<name>: "
            + "name, user, password, instances[] (host, port, role, labels), optional remediation-user / "
            + "remediation-password, heartbeat, binlog-listener. Kept in the compacted inventory topic, so every node "
            + "polls it and it survives restarts. Role: admin.")
    @APIResponse(responseCode = "201", description = "added; this node watches it")
    @APIResponse(responseCode = "400", description = "a malformed field, named in the answer")
    @APIResponse(responseCode = "409", description = "a cluster of that name exists")
    @APIResponse(responseCode = "503", description = "Kafka or the encryption key is unavailable")
    public Response add(JsonNode body) {
        ClusterDefinition definition = definitions.read(body);
        topic.add(definition, identity.getPrincipal().getName());
        return Response.created(java.net.URI.create("/api/clusters/" + definition.name()))
                .entity(Map.of("cluster", definition.name(), "added", true)).build();
    }

    @DELETE
    @Path("/{cluster}")
    @RolesAllowed(ApiRole.ADMIN)
    @Operation(summary = "Remove a cluster added at runtime", description = "Its pollers and binlog listeners stop on "
            + "every node. A cluster of the configuration answers 409. Role: admin.")
    @APIResponse(responseCode = "204", description = "removed")
    @APIResponse(responseCode = "404", description = "no such cluster")
    @APIResponse(responseCode = "409", description = "the cluster comes from the configuration")
    public Response remove(@PathParam("cluster") String cluster) {
        if (inventory.isConfigured(cluster)) {
            return ApiErrors.answer(Response.Status.CONFLICT, "cluster " + cluster
                    + " is defined in the configuration (sentinel.clusters): remove it there", null);
        }
        if (inventory.runtimeCluster(cluster).isEmpty()) {
            throw new NotFoundException("no cluster named " + cluster);
        }
        topic.remove(cluster, identity.getPrincipal().getName());
        return Response.noContent().build();
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
        ObservedTopology topology = fleet.answersFor(cluster) ? ObservedTopology.of(cluster, seen) : topology(cluster);
        List<InstanceView> views = new ArrayList<>();
        for (WatchedInstance w : instances) {
            ReplicationStatus s = latest.get(w.id());
            views.add(new InstanceView(w.id(), w.expectedRole().orElse(null),
                    topology.roles().getOrDefault(w.id(), ObservedRole.unknown.name()), w.labels(), s));
        }
        return new ClusterDetail(cluster, topology.primary(), views, topology.edges(), firing(cluster));
    }
}
