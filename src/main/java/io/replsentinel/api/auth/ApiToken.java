package io.replsentinel.api.auth;

import io.replsentinel.inventory.Secret;

import java.util.Set;

/**
 * One configured token: its name (the principal of every request made with it, e.g. a command's
 * {@code approvedBy}), the SHA-256 digest of its value and the roles it grants, implied ones included.
 * Only the digest is kept, so the value cannot leak from here; the digest is compared in constant time.
 */
public record ApiToken(String name, byte[] digest, Set<String> roles) {

    static ApiToken of(String name, Secret value, Set<ApiRole> roles) {
        return new ApiToken(name, TokenDigest.of(value.reveal()), ApiRole.effectiveNames(roles));
    }

    @Override
    public String toString() {
        return "ApiToken[" + name + " " + roles + "]";
    }
}
