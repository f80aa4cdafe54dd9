package io.replsentinel.rules;

import io.replsentinel.event.Alert;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Set;

import static io.replsentinel.rules.Statuses.replica;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Instances that leave the inventory (one of a redefined cluster, or every one of a removed
 * cluster): no status of theirs will ever come again, so their firing alerts resolve at once,
 * saying why, instead of firing for ever; what the view held of them goes, and the instances still
 * watched keep their alerts.
 */
class RetiredInstancesTest {

    private static final Instant T0 = Instant.parse("2026-12-01T00:00:00Z");
    private static final String R1 = "r1:3306";
    private static final String R2 = "r2:3306";

    /** The inventory as the engine sees it: the cluster's instances, or none once removed. */
    private static final class Inventory implements KnownClusters {
        volatile Set<String> instances = Set.of(R1, R2);

        @Override
        public boolean contains(String cluster) {
            return Statuses.CLUSTER.equals(cluster) && !instances.isEmpty();
        }

        @Override
        public Set<String> instances(String cluster) {
            return Statuses.CLUSTER.equals(cluster) ? instances : Set.of();
        }
    }

    private static List<Alert> sqlThreadStopped(List<Alert> alerts) {
        return alerts.stream().filter(a -> DetectorCatalogue.REPLICATION_SQL_THREAD_STOPPED.equals(a.alertname())).toList();
    }

    /** An engine asking {@code inventory}, with each of {@code replicas}' appliers stopped on a duplicate key. */
    private static RulesEngine engineWithStoppedAppliers(Inventory inventory, String... replicas) {
        RulesEngine engine = AlertStateRestoreTest.engine();
        engine.knownClusters = inventory;
        for (String r : replicas) {
            engine.evaluate(replica(r, T0, AlertStateRestoreTest.DUP_KEY));
        }
        return engine;
    }

    @Test
    void instanceRemovedFromItsCluster_resolvesItsFiringAlerts_andOnlyThose() {
        Inventory inventory = new Inventory();
        RulesEngine engine = engineWithStoppedAppliers(inventory, R1, R2);
        assertThat(sqlThreadStopped(engine.firing(Statuses.CLUSTER))).hasSize(2);

        inventory.instances = Set.of(R2);
        List<Alert> changes = engine.retire(Statuses.CLUSTER);

        assertThat(changes).isNotEmpty().allSatisfy(a -> {
            assertThat(a.status()).isEqualTo(Alert.RESOLVED);
            assertThat(a.labels()).containsEntry("instance", R1);
            assertThat(a.endsAt()).isNotNull();
            assertThat(a.annotations().get(AlertTracker.RETIRED)).contains("no longer in the inventory");
        });
        assertThat(sqlThreadStopped(changes)).singleElement().satisfies(a -> assertThat(a.startsAt()).isEqualTo(T0));
        assertThat(engine.firing(Statuses.CLUSTER)).isNotEmpty().allSatisfy(a -> assertThat(a.labels()).containsEntry("instance", R2));
        // the next status of the instance still watched evaluates a view without the one removed: nothing of it comes back
        assertThat(engine.evaluate(replica(R2, T0.plusSeconds(1), AlertStateRestoreTest.DUP_KEY)))
                .noneSatisfy(a -> assertThat(a.labels()).containsEntry("instance", R1));
        // a status of the removed instance polled before it left, arriving late, does not bring it back either
        assertThat(engine.evaluate(replica(R1, T0.plusSeconds(1), AlertStateRestoreTest.DUP_KEY))).isEmpty();
        assertThat(engine.statuses(Statuses.CLUSTER).orElseThrow()).extracting(s -> s.instance()).containsExactly(R2);
    }

    @Test
    void clusterRemoved_resolvesEveryFiringAlert_andTheEngineForgetsIt() {
        Inventory inventory = new Inventory();
        RulesEngine engine = engineWithStoppedAppliers(inventory, R1);
        List<Alert> firing = engine.firing(Statuses.CLUSTER);
        assertThat(firing).isNotEmpty();

        inventory.instances = Set.of();
        List<Alert> changes = engine.retire(Statuses.CLUSTER);

        assertThat(changes).extracting(Alert::fingerprint)
                .containsExactlyInAnyOrderElementsOf(firing.stream().map(Alert::fingerprint).toList());
        assertThat(changes).allSatisfy(a -> assertThat(a.status()).isEqualTo(Alert.RESOLVED));
        assertThat(engine.snapshot(Statuses.CLUSTER)).as("no state left to write or restore").isEmpty();
        assertThat(engine.firing(Statuses.CLUSTER)).isEmpty();
        assertThat(engine.retire(Statuses.CLUSTER)).as("a second removal has nothing to end").isEmpty();
    }
}
