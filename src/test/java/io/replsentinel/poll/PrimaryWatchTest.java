package io.replsentinel.poll;

import io.replsentinel.event.ChannelStatus;
import io.replsentinel.event.ReplicationStatus;
import io.replsentinel.inventory.Secret;
import io.replsentinel.inventory.WatchedInstance;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** The heartbeat writes only where the cluster view, fed by this node's own statuses, sees the primary. */
class PrimaryWatchTest {

    private static final Instant T0 = Instant.parse("2026-11-26T00:00:00Z");
    private static final WatchedInstance SOURCE = instance(23306, "primary");
    private static final WatchedInstance R1 = instance(23307, "replica");
    private static final WatchedInstance R2 = instance(23308, "replica");

    private final PrimaryWatch watch = new PrimaryWatch();

    private static WatchedInstance instance(int port, String role) {
        return new WatchedInstance("orders", "127.0.0.1", port, "sentinel", new Secret(""), Optional.of(role), Map.of(), true);
    }

    private static ChannelStatus from(WatchedInstance source) {
        return new ChannelStatus("", source.host(), source.port(), null, null, ChannelStatus.RUNNING, ChannelStatus.RUNNING,
                0, null, null, 0, null, null, null, 0L, "", "", true, 0L, List.of("127.0.0.1"), true);
    }

    private void polled(WatchedInstance w, boolean readOnly, ChannelStatus... channels) {
        watch.record(ReplicationStatus.builder(w.cluster(), w.id()).observedAt(T0).reachable(true).flavor("mysql")
                .readOnly(readOnly).channels(List.of(channels)).expectedRole(w.expectedRole().orElse(null))
                .addresses(List.of("127.0.0.1")).build());
    }

    @Test
    void expectedReplicaAfterResetReplicaAllAndWritable_isNotWrittenTo_theSourceIs() {
        polled(SOURCE, false);
        polled(R1, true, from(SOURCE));
        polled(R2, true, from(SOURCE));
        assertThat(watch.mayWrite(R2, false, List.of())).as("R2 just lost its channel and opened writes").isFalse();
        assertThat(watch.mayWrite(SOURCE, false, List.of())).isTrue();
    }

    @Test
    void replicaWithAChannelOrAReadOnlyInstance_isNeverWrittenTo() {
        polled(SOURCE, false);
        assertThat(watch.mayWrite(R1, false, List.of(from(SOURCE)))).isFalse();
        assertThat(watch.mayWrite(SOURCE, true, List.of())).isFalse();
    }

    @Test
    void afterASwitchover_thePromotedReplicaIsWrittenTo_andTheDemotedPrimaryIsNot() {
        polled(SOURCE, true, from(R1));
        polled(R1, false);
        polled(R2, true, from(R1));
        assertThat(watch.mayWrite(R1, false, List.of())).isTrue();
        assertThat(watch.mayWrite(SOURCE, true, List.of(from(R1)))).isFalse();
    }

    @Test
    void firstPollOfTheExpectedPrimary_beforeAnyOtherStatus_isWrittenTo() {
        assertThat(watch.mayWrite(SOURCE, false, List.of())).isTrue();
        assertThat(watch.mayWrite(R1, false, List.of())).isFalse();
    }
}
