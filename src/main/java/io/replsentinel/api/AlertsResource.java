package io.replsentinel.api;

import io.replsentinel.alerting.AlertStore;
import io.replsentinel.event.Alert;
import io.replsentinel.api.auth.ApiRole;
import io.replsentinel.fleet.FleetView;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import java.util.List;

/**
 * {@code GET /api/alerts}: firing alerts and recently resolved ones, with their evidence; with a
 * shared fleet, the whole fleet's: the clusters this node works from its own store, the others' from
 * {@link FleetView}.
 */
@RolesAllowed(ApiRole.READ)
@Path("/api/alerts")
@Produces(MediaType.APPLICATION_JSON)
public class AlertsResource {

    private final AlertStore store;
    private final FleetView fleet;

    public AlertsResource(AlertStore store, FleetView fleet) {
        this.store = store;
        this.fleet = fleet;
    }

    /**
     * @param status {@code firing} or {@code resolved} to see only those; all when absent
     * @param cluster only this cluster's alerts when given
     */
    @GET
    public List<Alert> alerts(@QueryParam("status") String status, @QueryParam("cluster") String cluster) {
        return (fleet.enabled() ? fleet.alerts(store.all()) : store.all()).stream()
                .filter(a -> status == null || status.equals(a.status()))
                .filter(a -> cluster == null || cluster.equals(a.labels().get("cluster")))
                .toList();
    }
}
