package io.replsentinel.rules.user;

import io.replsentinel.event.Alert;
import io.replsentinel.event.ReplicationStatus;
import io.replsentinel.rules.AlertTracker;
import io.replsentinel.rules.ClusterView;
import io.replsentinel.rules.Finding;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.replsentinel.rules.user.Polls.T0;
import static io.replsentinel.rules.user.Polls.mysqlReplica;
import static io.replsentinel.rules.user.Polls.running;
import static org.assertj.core.api.Assertions.assertThat;

/** A user rule's {@code for:} reaches the alert lifecycle: pending until it has held that long. */
class UserRuleForDurationTest {

    private final UserRules rules = Rules.load(Map.of(
            "sentinel.user-rules.ChannelLagging.expr", "has(channel.secondsBehindSource) && channel.secondsBehindSource > 60",
            "sentinel.user-rules.ChannelLagging.for", "2m",
            "sentinel.user-rules.ChannelLagging.severity", "critical"));
    private final ClusterView view = new ClusterView(Polls.CLUSTER);
    private final AlertTracker tracker = new AlertTracker(new AlertTracker.Settings(
            alertname -> rules.forDuration(alertname).orElse(Duration.ZERO),
            Duration.ofSeconds(10), "https://example.test/runbooks.md", "http://sentinel:8480"));

    private List<Alert> at(int second, long lag) {
        ReplicationStatus status = mysqlReplica("r1:3306", T0.plusSeconds(second), true, running("", lag));
        view.update(status);
        List<Finding> findings = new ArrayList<>();
        rules.detectors().forEach(d -> findings.addAll(d.detect(view)));
        return tracker.evaluate(view, findings, T0.plusSeconds(second));
    }

    @Test
    void lagOver60sFor2Minutes_firesExactlyAtItsFor() {
        for (int s = 0; s < 120; s += 5) {
            assertThat(at(s, 90)).as("pending at %ss", s).isEmpty();
        }
        assertThat(at(120, 90)).singleElement().satisfies(a -> {
            assertThat(a.status()).isEqualTo(Alert.FIRING);
            assertThat(a.labels()).containsEntry("alertname", "ChannelLagging").containsEntry("severity", "critical")
                    .containsEntry("channel", "").containsEntry("instance", "r1:3306");
            assertThat(a.startsAt()).isEqualTo(T0);
        });
    }

    @Test
    void lagThatRecoversBeforeItsFor_startsItsClockAgain() {
        for (int s = 0; s < 110; s += 5) {
            assertThat(at(s, 90)).isEmpty();
        }
        assertThat(at(110, 3)).isEmpty();
        for (int s = 115; s < 235; s += 5) {
            assertThat(at(s, 90)).as("pending again at %ss", s).isEmpty();
        }
        assertThat(at(235, 90)).singleElement()
                .satisfies(a -> assertThat(a.startsAt()).isEqualTo(T0.plusSeconds(115)));
    }
}
