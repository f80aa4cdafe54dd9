package io.replsentinel.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.replsentinel.event.ChannelStatus;
import io.replsentinel.event.ObservedRole;
import io.replsentinel.event.ReplicationStatus;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The per-instance and per-channel series of contract section 4, set from every poll. A channel
 * that disappears (replication reset) keeps {@code mysql_replication_configured} at 0 rather than
 * vanishing, so an alert rule on it still has a series to read. While an instance cannot be polled
 * only {@code mysql_instance_up} (0) remains: every other series of it is removed, so that no
 * dashboard or rule reads the last poll's values as live.
 */
@ApplicationScoped
public class InstanceMetrics {

    private static final String UP = "mysql_instance_up";

    private final MeterRegistry registry;
    /** Instances with series besides mysql_instance_up: an instance that stays down costs no scan. */
    private final Set<String> populated = ConcurrentHashMap.newKeySet();

    private final Map<SeriesKey, Series> values = new ConcurrentHashMap<>();
    private final Map<String, Tags> infoByInstance = new ConcurrentHashMap<>();
    private final Map<String, Set<String>> channelsByInstance = new ConcurrentHashMap<>();

    public InstanceMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    public void record(ReplicationStatus s) {
        Tags instance = Tags.of("cluster", s.cluster(), "instance", s.instance());
        set(UP, instance, s.reachable() ? 1 : 0);
        if (!s.reachable()) {
            if (populated.remove(s.instance() + "@" + s.cluster())) {
                removeAllBut(UP, s.cluster(), s.instance());
            }
            return;
        }
        populated.add(s.instance() + "@" + s.cluster());
        info(s, instance);
        Set<String> seen = new HashSet<>();
        for (ChannelStatus ch : s.channels()) {
            Tags t = instance.and("channel", ch.name());
            seen.add(ch.name());
            set("mysql_replication_configured", t, 1);
            set("mysql_replication_io_thread_running", t, ChannelStatus.RUNNING.equals(ch.ioState()) ? 1 : 0);
            set("mysql_replication_io_thread_connecting", t, ChannelStatus.CONNECTING.equals(ch.ioState()) ? 1 : 0);
            set("mysql_replication_sql_thread_running", t, ChannelStatus.RUNNING.equals(ch.sqlState()) ? 1 : 0);
            set("mysql_replication_last_io_errno", t, ch.lastIoErrno());
            set("mysql_replication_last_sql_errno", t, ch.lastSqlErrno());
            set("mysql_replication_lag_seconds", t,
                    ch.secondsBehindSource() == null ? Double.NaN : ch.secondsBehindSource());
        }
        if (s.heartbeatLagMillis() != null && s.channels().size() == 1) {
            set("mysql_replication_heartbeat_lag_seconds", instance.and("channel", s.channels().get(0).name()),
                    s.heartbeatLagMillis() / 1000.0);
        }
        Set<String> known = channelsByInstance.computeIfAbsent(s.instance(), k -> ConcurrentHashMap.newKeySet());
        for (String gone : known) {
            if (!seen.contains(gone)) {
                Tags t = instance.and("channel", gone);
                set("mysql_replication_configured", t, 0);
                set("mysql_replication_io_thread_running", t, 0);
                set("mysql_replication_sql_thread_running", t, 0);
                set("mysql_replication_io_thread_connecting", t, 0);
            }
        }
        known.addAll(seen);
    }

    /**
     * {@code mysql_replication_errant_transactions}: how many transactions ErrantTransactions
     * finds on the instance now (MySQL GTIDs; MariaDB foreign binlog-state entries), 0 when none.
     */
    public void recordErrant(String cluster, String instance, long count) {
        populated.add(instance + "@" + cluster);
        set("mysql_replication_errant_transactions", Tags.of("cluster", cluster, "instance", instance), count);
    }

    /** Removes every series of an instance no longer watched (unwatched at runtime). */
    public void forget(String cluster, String instance) {
        removeAllBut(null, cluster, instance);
        populated.remove(instance + "@" + cluster);
        channelsByInstance.remove(instance);
    }

    private void info(ReplicationStatus s, Tags instance) {
        Tags info = instance.and(
                "flavor", nz(s.flavor()),
                "version", nz(s.version()),
                "server_id", s.serverId() == null ? "" : s.serverId().toString(),
                "server_uuid", nz(s.serverUuid()),
                "role", ObservedRole.of(s).name());
        Tags previous = infoByInstance.put(s.instance() + "@" + s.cluster(), info);
        if (previous != null && !previous.equals(info)) {
            set("mysql_instance_info", previous, Double.NaN);
            registry.find("mysql_instance_info").tags(previous).meters().forEach(registry::remove);
            values.remove(new SeriesKey("mysql_instance_info", previous));
        }
        set("mysql_instance_info", info, 1);
    }

    private void set(String name, Tags tags, double value) {
        values.computeIfAbsent(new SeriesKey(name, tags), k -> {
            AtomicReference<Double> holder = new AtomicReference<>(value);
            Gauge gauge = Gauge.builder(name, holder, AtomicReference::get).tags(tags).register(registry);
            return new Series(name, tags, holder, gauge);
        }).value().set(value);
    }

    /** Removes every series of one instance except {@code keep} (null: all); they come back with its next good poll. */
    private void removeAllBut(String keep, String cluster, String instance) {
        Tag c = Tag.of("cluster", cluster);
        Tag i = Tag.of("instance", instance);
        values.entrySet().removeIf(e -> {
            Series series = e.getValue();
            List<Tag> tags = series.tags().stream().toList();
            boolean remove = !series.name().equals(keep) && tags.contains(c) && tags.contains(i);
            if (remove) {
                registry.remove(series.gauge());
            }
            return remove;
        });
        infoByInstance.remove(instance + "@" + cluster);
    }

    private record Series(String name, Tags tags, AtomicReference<Double> value, Gauge gauge) {
    }

    /**
     * A series by name and tags. Set some ten times per poll: a record of the two costs one small
     * object, where merging the name into the tags ({@code Tags.and}) sorted and copied them each time.
     */
    private record SeriesKey(String name, Tags tags) {
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }
}
