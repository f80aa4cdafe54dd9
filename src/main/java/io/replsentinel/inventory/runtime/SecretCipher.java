package io.replsentinel.inventory.runtime;

import io.quarkus.runtime.Startup;
import io.replsentinel.inventory.InventoryException;
import io.replsentinel.inventory.Secret;
import io.replsentinel.inventory.SentinelConfig;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;

/**
 * Seals the passwords of runtime clusters before they go to Kafka, and opens them on every node:
 * AES-GCM under {@code sentinel.runtime-clusters.encryption-key}, a fresh 96-bit nonce per value, and
 * the cluster and field as associated data, so a sealed value is useless without the key, any change
 * to it is detected, and it cannot be moved onto another cluster or field. A symmetric key every node
 * shares is what lets any node's API add a cluster that every node can then poll.
 */
@Startup
@Singleton
public class SecretCipher {

    static final String KEY = "sentinel.runtime-clusters.encryption-key";
    private static final String PREFIX = "aes-gcm:v1:";
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;

    private final Optional<SecretKey> key;
    private final SecureRandom random = new SecureRandom();

    @Inject
    public SecretCipher(SentinelConfig config) {
        this(config.runtimeClusters().encryptionKey());
    }

    SecretCipher(Optional<String> base64Key) {
        this.key = base64Key.map(String::strip).filter(k -> !k.isEmpty()).map(SecretCipher::parse);
    }

    private static SecretKey parse(String base64) {
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            throw new InventoryException(KEY, "is not Base64 (make one with: openssl rand -base64 32)");
        }
        if (raw.length != 16 && raw.length != 24 && raw.length != 32) {
            throw new InventoryException(KEY, "is " + raw.length + " bytes; an AES key is 16, 24 or 32 bytes");
        }
        return new SecretKeySpec(raw, "AES");
    }

    /** Whether a key is configured, i.e. whether passwords can be sealed. */
    public boolean available() {
        return key.isPresent();
    }

    /** The sealed form of {@code clear}, for {@code field} of {@code cluster}. */
    public String seal(String cluster, String field, String clear) {
        SecretKey k = key.orElseThrow(() -> new NoKeyException());
        try {
            byte[] nonce = new byte[NONCE_BYTES];
            random.nextBytes(nonce);
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, k, new GCMParameterSpec(TAG_BITS, nonce));
            c.updateAAD(aad(cluster, field));
            byte[] sealed = c.doFinal(clear.getBytes(StandardCharsets.UTF_8));
            return PREFIX + Base64.getEncoder().encodeToString(ByteBuffer.allocate(nonce.length + sealed.length)
                    .put(nonce).put(sealed).array());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is unavailable in this JVM", e);
        }
    }

    /**
     * The clear text of a sealed value.
     *
     * @throws NoKeyException without a key
     * @throws IllegalArgumentException when the value is not one this key sealed for that cluster and field
     */
    public Secret open(String cluster, String field, String sealed) {
        SecretKey k = key.orElseThrow(() -> new NoKeyException());
        if (sealed == null || !sealed.startsWith(PREFIX)) {
            throw new IllegalArgumentException(field + " is not a sealed value (" + PREFIX + "...)");
        }
        try {
            byte[] all = Base64.getDecoder().decode(sealed.substring(PREFIX.length()));
            if (all.length <= NONCE_BYTES) {
                throw new IllegalArgumentException(field + " is too short to be sealed");
            }
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, k, new GCMParameterSpec(TAG_BITS, all, 0, NONCE_BYTES));
            c.updateAAD(aad(cluster, field));
            return new Secret(new String(c.doFinal(all, NONCE_BYTES, all.length - NONCE_BYTES), StandardCharsets.UTF_8));
        } catch (javax.crypto.AEADBadTagException e) {
            throw new IllegalArgumentException(field + " was not sealed by this key for cluster " + cluster);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is unavailable in this JVM", e);
        }
    }

    private static byte[] aad(String cluster, String field) {
        return ("repl-sentinel/" + cluster + "/" + field).getBytes(StandardCharsets.UTF_8);
    }

    /** No {@code sentinel.runtime-clusters.encryption-key}: passwords can be neither sealed nor opened. */
    public static final class NoKeyException extends RuntimeException {
        NoKeyException() {
            super("a runtime cluster with a password needs " + KEY + " (the same on every node)");
        }
    }
}
