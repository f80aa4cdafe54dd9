package io.replsentinel;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.replsentinel.event.Alert;
import io.replsentinel.event.ChannelStatus;
import io.replsentinel.event.ReplicationStatus;
import io.replsentinel.kafka.KafkaBrokerResource;
import io.replsentinel.rules.RulesEngine;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The service boots with {@code sentinel.*} and {@code sentinel.user-rules.*} side by side (the
 * test configuration's two user rules, in application.properties), and the rules engine runs user
 * rules with their own {@code for:}.
 */
@QuarkusTest
@WithTestResource(value = KafkaBrokerResource.class, scope = TestResourceScope.GLOBAL)
class UserRulesBootTest {

    @Inject
    RulesEngine engine;

    @Test
    void userRuleFires_andOneWithALongForStaysPending() {
        ChannelStatus lagging = new ChannelStatus("", "10.0.0.11", 3306, 1L, "uuid-1", ChannelStatus.RUNNING,
                ChannelStatus.RUNNING, 0, null, null, 0, null, null, null, 120L, "uuid-1:1-9", "uuid-1:1-5", true);
        ReplicationStatus writableLaggingReplica = ReplicationStatus.builder("boot-user-rules", "r1:3306")
                .observedAt(Instant.now()).pollMillis(3).reachable(true).flavor("mysql").version("8.4.3").serverId(2L)
                .serverUuid("uuid-2").readOnly(false).superReadOnly(false).gtidMode("ON").gtidExecuted("uuid-1:1-5")
                .binlogFormat("ROW").logReplicaUpdates(true).channels(List.of(lagging)).expectedRole("replica")
                .build();
        assertThat(engine.evaluate(writableLaggingReplica)).extracting(Alert::alertname)
                .contains("ReplicaWritable").doesNotContain("ChannelLagging");
    }
}
