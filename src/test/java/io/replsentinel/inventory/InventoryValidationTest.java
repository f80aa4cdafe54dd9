package io.replsentinel.inventory;

import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Start-up validation of the inventory: every malformed entry is refused with its key named. */
class InventoryValidationTest {

    private static Inventory inventory(Map<String, String> properties) {
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withMapping(SentinelConfig.class)
                .withConverter(Duration.class, 100, new DurationConverter())
                .withSources(new PropertiesConfigSource(properties, "test", 500))
                .build();
        return new Inventory(config.getConfigMapping(SentinelConfig.class).clusters(), false);
    }

    @Test
    void wellFormedInventory_yieldsInstancesWithIdsAndLabels() {
        Inventory inv = inventory(Map.of(
                "sentinel.clusters.orders.user", "monitor",
                "sentinel.clusters.orders.password", "s3cret",
                "sentinel.clusters.orders.instances[0].host", "10.0.0.11",
                "sentinel.clusters.orders.instances[0].role", "primary",
                "sentinel.clusters.orders.instances[1].host", "10.0.0.12",
                "sentinel.clusters.orders.instances[1].port", "3307",
                "sentinel.clusters.orders.instances[1].labels.zone", "b"));
        assertThat(inv.all()).extracting(WatchedInstance::id).containsExactly("10.0.0.11:3306", "10.0.0.12:3307");
        assertThat(inv.all().get(1).labels()).containsEntry("zone", "b");
        assertThat(inv.all().get(0).expectedRole()).contains("primary");
        assertThat(inv.all().get(0).toString()).doesNotContain("s3cret");
        assertThat(inv.all().get(0).password().toString()).doesNotContain("s3cret");
    }

    @Test
    void missingHost_stopsStartupNamingTheKey() {
        assertThatThrownBy(() -> inventory(Map.of(
                "sentinel.clusters.orders.user", "monitor",
                "sentinel.clusters.orders.instances[0].port", "3306")))
                .hasMessageContaining("sentinel.clusters.orders.instances[0].host");
    }

    @Test
    void nonNumericPort_stopsStartupNamingTheKey() {
        assertThatThrownBy(() -> inventory(Map.of(
                "sentinel.clusters.orders.user", "monitor",
                "sentinel.clusters.orders.instances[0].host", "db1",
                "sentinel.clusters.orders.instances[0].port", "33o6")))
                .hasMessageContaining("sentinel.clusters.orders.instances[0].port");
    }

    @Test
    void portOutOfRange_stopsStartupNamingTheKey() {
        assertThatThrownBy(() -> inventory(Map.of(
                "sentinel.clusters.orders.user", "monitor",
                "sentinel.clusters.orders.instances[0].host", "db1",
                "sentinel.clusters.orders.instances[0].port", "70000")))
                .isInstanceOf(InventoryException.class)
                .hasMessageContaining("sentinel.clusters.orders.instances[0].port");
    }

    @Test
    void unknownRole_stopsStartupNamingTheKey() {
        assertThatThrownBy(() -> inventory(Map.of(
                "sentinel.clusters.orders.user", "monitor",
                "sentinel.clusters.orders.instances[0].host", "db1",
                "sentinel.clusters.orders.instances[0].role", "leader")))
                .hasMessageContaining("sentinel.clusters.orders.instances[0].role");
    }

    @Test
    void duplicateInstance_stopsStartupNamingBothKeys() {
        assertThatThrownBy(() -> inventory(Map.of(
                "sentinel.clusters.orders.user", "monitor",
                "sentinel.clusters.orders.instances[0].host", "db1",
                "sentinel.clusters.billing.user", "monitor",
                "sentinel.clusters.billing.instances[0].host", "db1")))
                .isInstanceOf(InventoryException.class)
                .hasMessageContaining("sentinel.clusters.orders.instances[0]")
                .hasMessageContaining("sentinel.clusters.billing.instances[0]")
                .hasMessageContaining("db1:3306");
    }
}
