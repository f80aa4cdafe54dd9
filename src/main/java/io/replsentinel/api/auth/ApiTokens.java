package io.replsentinel.api.auth;

import io.quarkus.runtime.Startup;
import io.replsentinel.inventory.InventoryException;
import io.replsentinel.inventory.Secret;
import io.replsentinel.inventory.SentinelConfig;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The API's tokens, read from configuration once at start-up: the admin token of
 * {@code sentinel.api.token} ({@code SENTINEL_API_TOKEN}), named "admin", and each
 * {@code sentinel.api.tokens.<name>}. A blank value, two names sharing one value, or a named token
 * called "admin" beside {@code sentinel.api.token} stops the service with the key named.
 *
 * <p>With no admin-role token at all the service still starts, reads work as configured, and every
 * writing endpoint answers 401: a warning at start-up says so. Failing instead would make a pure
 * monitoring deployment configure a secret it never uses.
 */
@Startup
@Singleton
public class ApiTokens {

    /** The principal name of {@code sentinel.api.token}. */
    public static final String ADMIN_TOKEN_NAME = "admin";

    private static final Logger LOG = Logger.getLogger(ApiTokens.class);

    private final List<ApiToken> tokens;
    private final boolean readRequiresToken;

    @Inject
    public ApiTokens(SentinelConfig config) {
        this(config.api().token(), config.api().tokens(), config.api().readRequiresToken());
    }

    ApiTokens(Optional<String> adminToken, Map<String, SentinelConfig.NamedToken> named, boolean readRequiresToken) {
        this.tokens = List.copyOf(build(adminToken, named));
        this.readRequiresToken = readRequiresToken;
        if (tokens.stream().noneMatch(t -> t.roles().contains(ApiRole.ADMIN))) {
            LOG.warn("No API token with the admin role is configured (SENTINEL_API_TOKEN or sentinel.api.token): "
                    + "every writing endpoint of the REST API answers 401");
        }
        LOG.infof("API tokens configured: %s; reading endpoints %s", tokens.stream().map(ApiToken::toString).toList(),
                readRequiresToken ? "need a token with the read role" : "are open");
    }

    static List<ApiToken> build(Optional<String> adminToken, Map<String, SentinelConfig.NamedToken> named) {
        List<ApiToken> result = new ArrayList<>();
        List<String> keys = new ArrayList<>();
        adminToken.ifPresent(value -> {
            requireValue("sentinel.api.token", value);
            result.add(ApiToken.of(ADMIN_TOKEN_NAME, new Secret(value), EnumSet.of(ApiRole.admin)));
            keys.add("sentinel.api.token");
        });
        for (Map.Entry<String, SentinelConfig.NamedToken> e : new TreeMap<>(named).entrySet()) {
            String name = e.getKey();
            String key = "sentinel.api.tokens." + name;
            if (adminToken.isPresent() && ADMIN_TOKEN_NAME.equals(name)) {
                throw new InventoryException(key, "the name 'admin' is taken by sentinel.api.token (SENTINEL_API_TOKEN)");
            }
            requireValue(key + ".token", e.getValue().token());
            if (e.getValue().roles().isEmpty()) {
                throw new InventoryException(key + ".roles", "give at least one of read, approve, admin");
            }
            ApiToken token = ApiToken.of(name, new Secret(e.getValue().token()),
                    EnumSet.copyOf(e.getValue().roles()));
            for (int i = 0; i < result.size(); i++) {
                if (MessageDigest.isEqual(result.get(i).digest(), token.digest())) {
                    throw new InventoryException(key + ".token", "has the same value as " + keys.get(i)
                            + ": each token must be unique, so that a request names one principal");
                }
            }
            result.add(token);
            keys.add(key + ".token");
        }
        return result;
    }

    private static void requireValue(String key, String value) {
        if (value == null || value.isBlank()) {
            throw new InventoryException(key, "a token must not be blank");
        }
        if (!value.equals(value.strip())) {
            throw new InventoryException(key, "a token must not start or end with white space");
        }
    }

    /**
     * The token whose value this is, compared against every configured token in constant time (all
     * are compared, so the time says nothing about which one matched or how close a guess was).
     */
    public Optional<ApiToken> find(String presented) {
        byte[] digest = TokenDigest.of(presented);
        ApiToken match = null;
        for (ApiToken t : tokens) {
            if (MessageDigest.isEqual(t.digest(), digest)) {
                match = t;
            }
        }
        return Optional.ofNullable(match);
    }

    /** Whether reading endpoints need a token with the read role ({@code sentinel.api.read-requires-token}). */
    public boolean readRequiresToken() {
        return readRequiresToken;
    }

    /** The configured tokens' names with their effective roles, never their values. */
    public Map<String, Set<String>> describe() {
        Map<String, Set<String>> result = new TreeMap<>();
        tokens.forEach(t -> result.put(t.name(), t.roles()));
        return result;
    }
}
