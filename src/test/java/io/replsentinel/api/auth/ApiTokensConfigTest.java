package io.replsentinel.api.auth;

import io.replsentinel.inventory.InventoryException;
import io.replsentinel.inventory.SentinelConfig;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The token configuration: what it grants, and the malformed cases that stop start-up naming the key. */
class ApiTokensConfigTest {

    private static SentinelConfig.NamedToken named(String value, ApiRole... roles) {
        return new SentinelConfig.NamedToken() {
            @Override
            public String token() {
                return value;
            }

            @Override
            public List<ApiRole> roles() {
                return List.of(roles);
            }
        };
    }

    @Test
    void adminToken_isNamedAdmin_andImpliesApproveAndRead() {
        ApiTokens tokens = new ApiTokens(Optional.of("s3cret-admin"), Map.of("ops", named("s3cret-ops", ApiRole.approve)), false);
        assertThat(tokens.find("s3cret-admin")).hasValueSatisfying(t -> {
            assertThat(t.name()).isEqualTo("admin");
            assertThat(t.roles()).containsExactlyInAnyOrder("admin", "approve", "read");
        });
        assertThat(tokens.find("s3cret-ops")).hasValueSatisfying(t -> {
            assertThat(t.name()).isEqualTo("ops");
            assertThat(t.roles()).containsExactlyInAnyOrder("approve", "read");
        });
        assertThat(tokens.find("s3cret-op")).isEmpty();
        assertThat(tokens.find("")).isEmpty();
    }

    @Test
    void noTokenAtAll_startsAndMatchesNothing() {
        assertThat(new ApiTokens(Optional.empty(), Map.of(), false).find("anything")).isEmpty();
    }

    @Test
    void blankNamedToken_failsNamingItsKey() {
        assertThatThrownBy(() -> new ApiTokens(Optional.empty(), Map.of("ci", named("  ", ApiRole.read)), false))
                .isInstanceOf(InventoryException.class).hasMessageContaining("sentinel.api.tokens.ci.token");
    }

    @Test
    void blankAdminToken_failsNamingItsKey() {
        assertThatThrownBy(() -> new ApiTokens(Optional.of(" "), Map.of(), false))
                .hasMessageContaining("sentinel.api.token");
    }

    @Test
    void namedTokenWithoutRoles_failsNamingItsKey() {
        assertThatThrownBy(() -> new ApiTokens(Optional.empty(), Map.of("ci", named("value-1")), false))
                .hasMessageContaining("sentinel.api.tokens.ci.roles");
    }

    @Test
    void twoNamesSharingOneValue_failNamingBothKeys_withoutTheValue() {
        assertThatThrownBy(() -> new ApiTokens(Optional.of("same-value"), Map.of("ci", named("same-value", ApiRole.read)), false))
                .hasMessageContaining("sentinel.api.tokens.ci.token").hasMessageContaining("sentinel.api.token")
                .hasMessageNotContaining("same-value");
    }

    @Test
    void namedTokenCalledAdmin_besideTheAdminToken_fails() {
        assertThatThrownBy(() -> new ApiTokens(Optional.of("a-value"), Map.of("admin", named("b-value", ApiRole.read)), false))
                .hasMessageContaining("sentinel.api.tokens.admin");
    }

    @Test
    void describe_listsNamesAndRoles_neverValues() {
        ApiTokens tokens = new ApiTokens(Optional.of("value-admin"), Map.of("ci", named("value-ci", ApiRole.read)), false);
        assertThat(tokens.describe().toString()).contains("admin").contains("ci").doesNotContain("value-");
    }
}
