package io.replsentinel.api;

import io.replsentinel.divergence.DivergenceService;
import io.replsentinel.divergence.ScanReport;
import io.replsentinel.api.auth.ApiRole;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import java.util.List;

/**
 * {@code GET /api/divergence}: what the data checker does in each cluster: the tables it walks, the
 * tables it skips (no usable key) and why, the ranges it holds for diverged, and its progress.
 */
@RolesAllowed(ApiRole.READ)
@Path("/api/divergence")
@Produces(MediaType.APPLICATION_JSON)
public class DivergenceResource {

    private final DivergenceService service;

    public DivergenceResource(DivergenceService service) {
        this.service = service;
    }

    @GET
    public List<ScanReport> all() {
        return service.reports();
    }

    @GET
    @Path("/{cluster}")
    public ScanReport cluster(@PathParam("cluster") String cluster) {
        return service.report(cluster).orElseThrow(() -> new NotFoundException("no data checker runs for " + cluster));
    }
}
