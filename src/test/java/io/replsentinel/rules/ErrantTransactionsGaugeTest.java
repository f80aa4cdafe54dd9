package io.replsentinel.rules;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.replsentinel.event.ReplicationStatus;
import io.replsentinel.metrics.InstanceMetrics;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static io.replsentinel.rules.Statuses.healthy;
import static io.replsentinel.rules.Statuses.replica;
import static io.replsentinel.rules.Statuses.unreachable;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The engine sets {@code mysql_replication_errant_transactions} of each reachable instance, and
 * sets it again once an instance is back from an unreachable poll, which removed its series (the
 * poller's {@link InstanceMetrics#record}); statuses in between that change no count leave the gauge
 * as it is.
 */
class ErrantTransactionsGaugeTest {

    private static final Instant T0 = Instant.parse("2026-11-26T00:00:00Z");
    private static final String ERRANT = "mysql_replication_errant_transactions";

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final InstanceMetrics metrics = new InstanceMetrics(registry);
    private final RulesEngine engine = AlertStateRestoreTest.engine(metrics);

    /** A poll as the service handles it: the poller records its metrics, then the engine evaluates it. */
    private void poll(ReplicationStatus status) {
        metrics.record(status);
        engine.evaluate(status);
    }

    private Gauge errant(String instance) {
        return registry.find(ERRANT).tag("cluster", Statuses.CLUSTER).tag("instance", instance).gauge();
    }

    @Test
    void instanceBackFromAnUnreachablePoll_hasItsErrantGaugeAgain() {
        for (int s = 0; s < 3; s++) {
            poll(replica("r1:3306", T0.plusSeconds(s), healthy()));
        }
        assertThat(errant("r1:3306")).as("set on its first reachable status").isNotNull()
                .satisfies(g -> assertThat(g.value()).isZero());

        poll(unreachable("r1:3306", T0.plusSeconds(3), "CommunicationsException"));
        assertThat(errant("r1:3306")).as("removed with its unreachable poll, not set again by the engine").isNull();

        poll(replica("r1:3306", T0.plusSeconds(4), healthy()));
        assertThat(errant("r1:3306")).as("set again once it answers").isNotNull()
                .satisfies(g -> assertThat(g.value()).isZero());
    }
}
