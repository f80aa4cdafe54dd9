package io.replsentinel.api.auth;

import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.SecurityIdentityAugmentor;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Keeps reading endpoints open when {@code sentinel.api.read-requires-token=false} (the default):
 * an anonymous request is given the read role, and stays anonymous, so every endpoint that needs
 * more still answers it 401. Resources therefore always say {@code @RolesAllowed("read")} for
 * reads, and this one setting decides whether that needs a token.
 */
@ApplicationScoped
public class OpenReads implements SecurityIdentityAugmentor {

    private final ApiTokens tokens;

    public OpenReads(ApiTokens tokens) {
        this.tokens = tokens;
    }

    @Override
    public Uni<SecurityIdentity> augment(SecurityIdentity identity, AuthenticationRequestContext context) {
        if (!identity.isAnonymous() || tokens.readRequiresToken()) {
            return Uni.createFrom().item(identity);
        }
        return Uni.createFrom().item(QuarkusSecurityIdentity.builder(identity)
                .addRole(ApiRole.READ).setAnonymous(true).build());
    }
}
