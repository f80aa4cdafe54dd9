package io.replsentinel.api;

import io.quarkus.security.identity.SecurityIdentity;
import io.replsentinel.api.auth.ApiRole;
import io.replsentinel.remediation.CommandBook;
import io.replsentinel.remediation.CommandNotFoundException;
import io.replsentinel.remediation.CommandState;
import io.replsentinel.remediation.IllegalCommandTransitionException;
import io.replsentinel.remediation.RemediationCommand;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.BadRequestException;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * {@code GET /api/commands}, {@code POST /api/commands/{id}/approve} and {@code /reject}: the
 * remediation commands as this node's {@link CommandBook} holds them (every node reads the whole
 * commands topic, so any node answers for the fleet), and the operator's decisions on them. A
 * decision is recorded on the command with the token's name as {@code approvedBy}, signed and
 * re-published; the executor, where it is on, takes an approved command from there.
 */
@Path("/api/commands")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed(ApiRole.READ)
public class CommandsResource {

    private final CommandBook book;
    private final SecurityIdentity identity;

    public CommandsResource(CommandBook book, SecurityIdentity identity) {
        this.book = book;
        this.identity = identity;
    }

    @GET
    @Operation(summary = "Remediation commands, oldest first", description = "Every command the service proposed, "
            + "with its exact SQL, its state and what its last attempt did.")
    @APIResponse(responseCode = "200", description = "the commands that match")
    @APIResponse(responseCode = "400", description = "an unknown state")
    public List<RemediationCommand> commands(
            @Parameter(description = "only this cluster's commands") @QueryParam("cluster") String cluster,
            @Parameter(description = "only commands in this state: proposed, approved, rejected, executed, failed, expired, refused")
            @QueryParam("state") String state) {
        return book.list(cluster, state == null || state.isBlank() ? null : state(state));
    }

    @POST
    @Path("/{id}/approve")
    @RolesAllowed({ApiRole.APPROVE, ApiRole.ADMIN})
    @Operation(summary = "Approve a proposed command", description = "Records the token's name as approvedBy. With "
            + "the executor on and the type enabled, the command then runs once its condition is re-checked on the "
            + "servers. Manual commands cannot be approved: they are run by hand. Role: approve.")
    @APIResponse(responseCode = "200", description = "the command, approved")
    @APIResponse(responseCode = "401", description = "no token, or an unknown one")
    @APIResponse(responseCode = "403", description = "a token without the approve role")
    @APIResponse(responseCode = "404", description = "no command with this id")
    @APIResponse(responseCode = "409", description = "the command is not proposed (any more), or is manual")
    public Response approve(@PathParam("id") String id) {
        return decide(() -> book.approve(id, identity.getPrincipal().getName()));
    }

    @POST
    @Path("/{id}/reject")
    @RolesAllowed({ApiRole.APPROVE, ApiRole.ADMIN})
    @Operation(summary = "Reject a command", description = "It will never run. Records the token's name as "
            + "approvedBy. Role: approve.")
    @APIResponse(responseCode = "200", description = "the command, rejected")
    @APIResponse(responseCode = "401", description = "no token, or an unknown one")
    @APIResponse(responseCode = "403", description = "a token without the approve role")
    @APIResponse(responseCode = "404", description = "no command with this id")
    @APIResponse(responseCode = "409", description = "the command is already in a final state")
    public Response reject(@PathParam("id") String id, @QueryParam("reason") String reason) {
        return decide(() -> book.reject(id, identity.getPrincipal().getName(), reason));
    }

    private static Response decide(Supplier<RemediationCommand> decision) {
        try {
            return Response.ok(decision.get()).build();
        } catch (CommandNotFoundException e) {
            return error(Response.Status.NOT_FOUND, e.getMessage());
        } catch (IllegalCommandTransitionException e) {
            return error(Response.Status.CONFLICT, e.getMessage());
        }
    }

    private static Response error(Response.Status status, String message) {
        return Response.status(status).type(MediaType.APPLICATION_JSON).entity(Map.of("error", String.valueOf(message))).build();
    }

    private static CommandState state(String name) {
        try {
            return CommandState.valueOf(name);
        } catch (IllegalArgumentException e) {
            throw new BadRequestException("unknown state '" + name + "': one of " + Arrays.toString(CommandState.values()));
        }
    }
}
