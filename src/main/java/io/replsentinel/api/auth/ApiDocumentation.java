package io.replsentinel.api.auth;

import jakarta.ws.rs.core.Application;
import org.eclipse.microprofile.openapi.annotations.OpenAPIDefinition;
import org.eclipse.microprofile.openapi.annotations.enums.SecuritySchemeType;
import org.eclipse.microprofile.openapi.annotations.info.Info;
import org.eclipse.microprofile.openapi.annotations.security.SecurityScheme;

/**
 * The OpenAPI document's header and its one security scheme, {@code bearer}: every operation with
 * {@code @RolesAllowed} is listed with that scheme and the roles it needs as the requirement's scopes.
 */
@OpenAPIDefinition(info = @Info(title = "repl-sentinel", version = "1",
        description = "MySQL/MariaDB replication monitor. Send `Authorization: Bearer <token>`: writing endpoints "
                + "need a token with their role (admin implies approve implies read); reading endpoints need the "
                + "read role only when sentinel.api.read-requires-token=true."))
@SecurityScheme(securitySchemeName = ApiDocumentation.SCHEME, type = SecuritySchemeType.HTTP, scheme = "bearer",
        description = "A token of SENTINEL_API_TOKEN (named admin) or of sentinel.api.tokens.<name>.token")
public class ApiDocumentation extends Application {
    public static final String SCHEME = "bearer";
}
