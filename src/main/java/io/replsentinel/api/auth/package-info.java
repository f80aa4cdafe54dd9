/**
 * Authentication and roles of the REST API: bearer tokens from configuration, checked by the
 * framework's security layer, and {@code @RolesAllowed} on the resources.
 *
 * <p>Reads: {@code sentinel.api.token} ({@code SENTINEL_API_TOKEN}, the admin token),
 * {@code sentinel.api.tokens.<name>.token|roles} and {@code sentinel.api.read-requires-token}, and the
 * {@code Authorization: Bearer} header of each request. Writes: nothing but the request's security
 * identity (its principal is the token's name). Tokens are held as {@link io.replsentinel.inventory.Secret}s,
 * compared in constant time, and never logged.
 */
package io.replsentinel.api.auth;
