package io.replsentinel.rules;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.replsentinel.event.GtidEvent;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static io.replsentinel.rules.StatusBuilder.instance;
import static org.assertj.core.api.Assertions.assertThat;

/** Per-transaction lag is measured whichever listener's event reaches the engine first. */
class TransactionLagTest {

    private static final Instant T0 = Instant.parse("2026-11-26T00:00:00Z");
    private static final String SOURCE = "127.0.0.1:23306";
    private static final String R1 = "127.0.0.1:23307";
    private static final String UUID = "3e11fa47-71ca-11e1-9e33-c80aa9429562";

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final TransactionLag lag = new TransactionLag(registry);
    private final ClusterView view = new ClusterView(Statuses.CLUSTER);

    private void pair() {
        view.update(instance(SOURCE).serverId(1).expectedRole("primary").at(T0).build());
        view.update(instance(R1).serverId(2).expectedRole("replica").replicating(SOURCE, 0L).at(T0).build());
    }

    private static GtidEvent tx(String instance, long seq, Instant seenAt) {
        return new GtidEvent(1, Statuses.CLUSTER, instance, "mysql", UUID + ":" + seq, UUID, null, 1L, seenAt, null, seenAt,
                "binlog.000002", 100L * seq, List.of(new GtidEvent.TableRows("lab.t", 1, 0, 0)), 1, "sha256:" + "1".repeat(64),
                null, seq);
    }

    private void arrive(GtidEvent e) {
        view.stream().add(e);
        lag.record(view, e);
    }

    private DistributionSummary replicaLag() {
        return registry.find("mysql_replication_transaction_lag_seconds").tag("instance", R1).summary();
    }

    @Test
    void sourceEventFirst_recordsTheReplicasLagOnce() {
        pair();
        arrive(tx(SOURCE, 5, T0));
        arrive(tx(R1, 5, T0.plusMillis(250)));
        assertThat(replicaLag().count()).isEqualTo(1);
        assertThat(replicaLag().totalAmount()).isEqualTo(0.25);
    }

    @Test
    void replicaEventFirst_recordsTheReplicasLagWhenTheSourcesArrives_once() {
        pair();
        arrive(tx(R1, 6, T0.plusMillis(400)));
        assertThat(registry.find("mysql_replication_transaction_lag_seconds").summary()).isNull();
        arrive(tx(SOURCE, 6, T0));
        assertThat(replicaLag().count()).isEqualTo(1);
        assertThat(replicaLag().totalAmount()).isEqualTo(0.4);
        assertThat(registry.find("mysql_replication_transaction_lag_seconds").tag("instance", SOURCE).summary()).isNull();
    }

    @Test
    void replicaListenerSawItBeforeTheSources_countsNoLagRatherThanANegativeOne() {
        pair();
        arrive(tx(R1, 7, T0));
        arrive(tx(SOURCE, 7, T0.plus(Duration.ofMillis(300))));
        assertThat(replicaLag().totalAmount()).isZero();
    }
}
