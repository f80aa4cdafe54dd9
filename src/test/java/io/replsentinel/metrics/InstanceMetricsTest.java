package io.replsentinel.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.replsentinel.event.ChannelStatus;
import io.replsentinel.event.ReplicationStatus;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The per-instance series as a run of polls leaves them, read from a real Micrometer registry:
 * values follow each poll, a channel that disappears stays at configured 0, an unreachable instance
 * keeps only {@code mysql_instance_up}, its series come back with the next good poll, and a changed
 * info label replaces the info series.
 */
class InstanceMetricsTest {

    private static final String CLUSTER = "c1";
    private static final String INSTANCE = "10.0.0.2:3306";

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final InstanceMetrics metrics = new InstanceMetrics(registry);

    @Test
    void seriesFollowEachPoll_aGoneChannelStaysConfiguredZero_andDownLeavesOnlyUp() {
        metrics.record(replica("9.7.4", channel("", ChannelStatus.RUNNING, 3L), channel("b", ChannelStatus.RUNNING, 0L)));
        assertThat(series()).containsEntry("mysql_instance_up{}", 1.0)
                .containsEntry("mysql_replication_configured{channel=}", 1.0)
                .containsEntry("mysql_replication_lag_seconds{channel=}", 3.0)
                .containsEntry("mysql_replication_configured{channel=b}", 1.0)
                .containsEntry("mysql_instance_info{flavor=mysql,role=replica,server_id=2,server_uuid=u2,version=9.7.4}", 1.0);

        // the next poll: the values change in place, channel b is gone
        metrics.record(replica("9.7.4", channel("", ChannelStatus.CONNECTING, null)));
        assertThat(series()).containsEntry("mysql_replication_io_thread_running{channel=}", 0.0)
                .containsEntry("mysql_replication_io_thread_connecting{channel=}", 1.0)
                .containsEntry("mysql_replication_configured{channel=b}", 0.0)
                .containsEntry("mysql_replication_io_thread_running{channel=b}", 0.0);
        assertThat(series().get("mysql_replication_lag_seconds{channel=}")).isNaN();

        metrics.record(ReplicationStatus.builder(CLUSTER, INSTANCE).observedAt(Instant.now()).reachable(false).build());
        assertThat(series()).as("only up while it cannot be polled").containsExactly(Map.entry("mysql_instance_up{}", 0.0));

        // back, upgraded and with one channel: every series again, one info series with the new version
        metrics.record(replica("9.7.5", channel("", ChannelStatus.RUNNING, 0L)));
        Map<String, Double> back = series();
        assertThat(back).containsEntry("mysql_instance_up{}", 1.0)
                .containsEntry("mysql_replication_configured{channel=}", 1.0)
                .containsEntry("mysql_replication_lag_seconds{channel=}", 0.0)
                .containsEntry("mysql_replication_configured{channel=b}", 0.0);
        assertThat(back.keySet().stream().filter(k -> k.startsWith("mysql_instance_info")))
                .containsExactly("mysql_instance_info{flavor=mysql,role=replica,server_id=2,server_uuid=u2,version=9.7.5}");

        metrics.forget(CLUSTER, INSTANCE);
        assertThat(registry.getMeters()).isEmpty();
    }

    @Test
    void changedInfoLabel_replacesTheInfoSeries_andTheErrantCountIsSetBesideThePolls() {
        metrics.record(replica("9.7.4", channel("", ChannelStatus.RUNNING, 0L)));
        metrics.recordErrant(CLUSTER, INSTANCE, 2);
        metrics.record(replica("9.7.4", channel("", ChannelStatus.RUNNING, 0L)));
        metrics.recordErrant(CLUSTER, INSTANCE, 0);
        metrics.record(replica("9.7.5", channel("", ChannelStatus.RUNNING, 0L)));
        Map<String, Double> now = series();
        assertThat(now).containsEntry("mysql_replication_errant_transactions{}", 0.0);
        assertThat(now.keySet().stream().filter(k -> k.startsWith("mysql_instance_info")))
                .containsExactly("mysql_instance_info{flavor=mysql,role=replica,server_id=2,server_uuid=u2,version=9.7.5}");
    }

    private static ReplicationStatus replica(String version, ChannelStatus... channels) {
        return ReplicationStatus.builder(CLUSTER, INSTANCE).observedAt(Instant.now()).reachable(true).flavor("mysql")
                .version(version).serverId(2L).serverUuid("u2").readOnly(true).channels(List.of(channels)).build();
    }

    private static ChannelStatus channel(String name, String ioState, Long lag) {
        return new ChannelStatus(name, "10.0.0.1", 3306, 1L, "u1", ioState, ChannelStatus.RUNNING, 0, null, null,
                0, null, null, null, lag, "", "", true);
    }

    /** Every gauge as name{labels but cluster and instance} to its value. */
    private Map<String, Double> series() {
        Map<String, Double> out = new TreeMap<>();
        for (Meter m : registry.getMeters()) {
            assertThat(m.getId().getTag("cluster")).isEqualTo(CLUSTER);
            assertThat(m.getId().getTag("instance")).isEqualTo(INSTANCE);
            StringBuilder labels = new StringBuilder();
            m.getId().getTags().stream().filter(t -> !t.getKey().equals("cluster") && !t.getKey().equals("instance"))
                    .forEach(t -> labels.append(labels.isEmpty() ? "" : ",").append(t.getKey()).append('=').append(t.getValue()));
            out.put(m.getId().getName() + "{" + labels + "}", ((Gauge) m).value());
        }
        return out;
    }
}
