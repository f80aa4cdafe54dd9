package io.replsentinel.inventory.runtime;

import io.replsentinel.inventory.InventoryException;
import org.junit.jupiter.api.Test;

import java.util.Base64;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Passwords sealed for the inventory topic: opened only with the key, for the cluster and field they were sealed for. */
class SecretCipherTest {

    private static final String KEY = Base64.getEncoder().encodeToString(new byte[32]);
    private final SecretCipher cipher = new SecretCipher(Optional.of(KEY));

    @Test
    void sealedPassword_opensToTheClearText_andDoesNotContainIt() {
        String sealed = cipher.seal("orders", "password", "s3cret-pw");
        assertThat(sealed).startsWith("aes-gcm:v1:").doesNotContain("s3cret-pw");
        assertThat(cipher.open("orders", "password", sealed).reveal()).isEqualTo("s3cret-pw");
        assertThat(cipher.seal("orders", "password", "s3cret-pw")).as("a fresh nonce each time").isNotEqualTo(sealed);
    }

    @Test
    void sealedValue_movedToAnotherClusterOrField_orTamperedWith_isRefused() {
        String sealed = cipher.seal("orders", "password", "s3cret-pw");
        assertThatThrownBy(() -> cipher.open("billing", "password", sealed)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> cipher.open("orders", "remediation-password", sealed)).isInstanceOf(IllegalArgumentException.class);
        // flip one bit of the sealed bytes themselves: an edited Base64 character may change only padding bits
        String prefix = sealed.substring(0, sealed.lastIndexOf(':') + 1);
        byte[] raw = Base64.getDecoder().decode(sealed.substring(prefix.length()));
        raw[raw.length - 1] ^= 1;
        String tampered = prefix + Base64.getEncoder().encodeToString(raw);
        assertThatThrownBy(() -> cipher.open("orders", "password", tampered)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void anotherKey_cannotOpenIt() {
        String sealed = cipher.seal("orders", "password", "s3cret-pw");
        byte[] other = new byte[32];
        other[0] = 1;
        SecretCipher otherCipher = new SecretCipher(Optional.of(Base64.getEncoder().encodeToString(other)));
        assertThatThrownBy(() -> otherCipher.open("orders", "password", sealed)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void malformedKey_failsNamingTheSetting_withoutQuotingIt() {
        assertThatThrownBy(() -> new SecretCipher(Optional.of("not base64 !!")))
                .isInstanceOf(InventoryException.class).hasMessageContaining("sentinel.runtime-clusters.encryption-key")
                .hasMessageNotContaining("not base64");
        assertThatThrownBy(() -> new SecretCipher(Optional.of(Base64.getEncoder().encodeToString(new byte[10]))))
                .hasMessageContaining("sentinel.runtime-clusters.encryption-key").hasMessageContaining("10 bytes");
    }

    @Test
    void noKey_sealsNothing() {
        SecretCipher none = new SecretCipher(Optional.empty());
        assertThat(none.available()).isFalse();
        assertThatThrownBy(() -> none.seal("orders", "password", "x")).isInstanceOf(SecretCipher.NoKeyException.class)
                .hasMessageContaining("sentinel.runtime-clusters.encryption-key");
    }
}
