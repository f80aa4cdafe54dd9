package io.replsentinel.api.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * SHA-256 of a token value. Comparing digests with {@link MessageDigest#isEqual} takes the same time
 * whatever the presented value and however much of it matches, length included.
 */
final class TokenDigest {

    private TokenDigest() {
    }

    static byte[] of(String value) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
