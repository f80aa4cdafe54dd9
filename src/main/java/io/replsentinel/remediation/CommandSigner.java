package io.replsentinel.remediation;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import com.fasterxml.jackson.databind.node.ObjectNode;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * Signs commands with HMAC-SHA256 over their canonical form and verifies signatures in constant
 * time. The canonical form is the command's JSON with every field but {@code signature}, object
 * keys sorted at every level, no whitespace, instants as ISO-8601: what any node reading the record
 * back computes the same way.
 */
public final class CommandSigner {

    static final String ALGORITHM = "HmacSHA256";
    /** Shorter keys are guessable; HMAC-SHA256's block is 64 bytes, half of it is a fair minimum. */
    static final int MIN_KEY_LENGTH = 32;

    private static final ObjectMapper CANONICAL = JsonMapper.builder()
            .addModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .enable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
            .build();

    private final SecretKeySpec key;
    private final boolean shared;

    private CommandSigner(byte[] key, boolean shared) {
        this.key = new SecretKeySpec(key, ALGORITHM);
        this.shared = shared;
    }

    /** A signer with the configured key; refuses a key too short to be secret, naming the setting. */
    public static CommandSigner withKey(String key) {
        if (key == null || key.length() < MIN_KEY_LENGTH) {
            throw new IllegalArgumentException("sentinel.remediation.signing-key must be at least " + MIN_KEY_LENGTH
                    + " characters long");
        }
        return new CommandSigner(key.getBytes(StandardCharsets.UTF_8), true);
    }

    /** A signer with a random key of this process only. */
    public static CommandSigner ephemeral() {
        byte[] k = new byte[32];
        new SecureRandom().nextBytes(k);
        return new CommandSigner(k, false);
    }

    /** Whether the key came from configuration (and so is shared by every node). */
    public boolean sharedKey() {
        return shared;
    }

    /** The command with its signature set. */
    public RemediationCommand sign(RemediationCommand command) {
        return command.withSignature(signatureOf(command));
    }

    /** Whether the command's signature is the one this key gives its canonical form; constant time. */
    public boolean verifies(RemediationCommand command) {
        if (command.signature() == null) {
            return false;
        }
        byte[] expected = signatureOf(command).getBytes(StandardCharsets.US_ASCII);
        return MessageDigest.isEqual(expected, command.signature().getBytes(StandardCharsets.US_ASCII));
    }

    String signatureOf(RemediationCommand command) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            return HexFormat.of().formatHex(mac.doFinal(canonical(command)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 is not available", e);
        }
    }

    /** The bytes the signature covers. */
    static byte[] canonical(RemediationCommand command) {
        try {
            ObjectNode tree = CANONICAL.valueToTree(command);
            tree.remove("signature");
            // a tree keeps insertion order: going through plain maps lets ORDER_MAP_ENTRIES_BY_KEYS sort every level
            Object plain = CANONICAL.treeToValue(tree, Object.class);
            return CANONICAL.writeValueAsBytes(plain);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot write command " + command.id() + " canonically", e);
        }
    }
}
