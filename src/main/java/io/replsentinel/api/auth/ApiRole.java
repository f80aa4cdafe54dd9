package io.replsentinel.api.auth;

import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The rights a token can carry. Each implies those below it: {@code admin} (runtime clusters, and
 * everything else) implies {@code approve} (approve or reject remediation commands) implies
 * {@code read} (every reading endpoint, when {@code sentinel.api.read-requires-token=true}).
 */
public enum ApiRole {
    read, approve, admin;

    /** The role names resources put in {@code @RolesAllowed}. */
    public static final String READ = "read";
    public static final String APPROVE = "approve";
    public static final String ADMIN = "admin";

    /** This role and every role it implies. */
    public Set<ApiRole> withImplied() {
        return EnumSet.range(read, this);
    }

    /** The role names a token with these roles holds, implied ones included. */
    public static Set<String> effectiveNames(Set<ApiRole> granted) {
        return granted.stream().flatMap(r -> r.withImplied().stream()).map(Enum::name)
                .collect(Collectors.toUnmodifiableSet());
    }
}
