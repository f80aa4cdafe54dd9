package io.replsentinel.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.replsentinel.event.ChannelStatus;
import io.replsentinel.event.ObservedRole;
import io.replsentinel.event.ReplicationStatus;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.HashSet;
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
    private final Map<SeriesKey, Series> values = new ConcurrentHashMap<>();
    /** Each instance's tags and series, by {@code instance@cluster}: what one poll sets, found with one lookup. */
    private final Map<String, Owner> owners = new ConcurrentHashMap<>();

    public InstanceMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    public void record(ReplicationStatus s) {
        Owner o = owner(s.cluster(), s.instance());
        set(o, UP, o.instance, s.reachable() ? 1 : 0);
        if (!s.reachable()) {
            if (o.populated) {
                removeAllBut(o, UP);
            }
            return;
        }
        o.populated = true;
        info(s, o);
        Set<String> seen = new HashSet<>();
        for (ChannelStatus ch : s.channels()) {
            Tags t = o.channel(ch.name());
            seen.add(ch.name());
            set(o, "mysql_replication_configured", t, 1);
            set(o, "mysql_replication_io_thread_running", t, ChannelStatus.RUNNING.equals(ch.ioState()) ? 1 : 0);
            set(o, "mysql_replication_io_thread_connecting", t, ChannelStatus.CONNECTING.equals(ch.ioState()) ? 1 : 0);
            set(o, "mysql_replication_sql_thread_running", t, ChannelStatus.RUNNING.equals(ch.sqlState()) ? 1 : 0);
            set(o, "mysql_replication_last_io_errno", t, ch.lastIoErrno());
            set(o, "mysql_replication_last_sql_errno", t, ch.lastSqlErrno());
            set(o, "mysql_replication_lag_seconds", t,
                    ch.secondsBehindSource() == null ? Double.NaN : ch.secondsBehindSource());
        }
        if (s.heartbeatLagMillis() != null && s.channels().size() == 1) {
            set(o, "mysql_replication_heartbeat_lag_seconds", o.channel(s.channels().get(0).name()),
                    s.heartbeatLagMillis() / 1000.0);
        }
        for (String gone : o.channels.keySet()) {
            if (!seen.contains(gone)) {
                Tags t = o.channel(gone);
                set(o, "mysql_replication_configured", t, 0);
                set(o, "mysql_replication_io_thread_running", t, 0);
                set(o, "mysql_replication_sql_thread_running", t, 0);
                set(o, "mysql_replication_io_thread_connecting", t, 0);
            }
        }
    }

    /**
     * {@code mysql_replication_errant_transactions}: how many transactions ErrantTransactions
     * finds on the instance now (MySQL GTIDs; MariaDB foreign binlog-state entries), 0 when none.
     */
    public void recordErrant(String cluster, String instance, long count) {
        Owner o = owner(cluster, instance);
        o.populated = true;
        set(o, "mysql_replication_errant_transactions", o.instance, count);
    }

    /** Removes every series of an instance no longer watched (unwatched at runtime). */
    public void forget(String cluster, String instance) {
        Owner o = owners.remove(instance + "@" + cluster);
        if (o != null) {
            removeAllBut(o, null);
        }
    }

    private Owner owner(String cluster, String instance) {
        return owners.computeIfAbsent(instance + "@" + cluster, k -> new Owner(Tags.of("cluster", cluster, "instance", instance)));
    }

    private void info(ReplicationStatus s, Owner o) {
        Tags info = o.instance.and(
                "flavor", nz(s.flavor()),
                "version", nz(s.version()),
                "server_id", s.serverId() == null ? "" : s.serverId().toString(),
                "server_uuid", nz(s.serverUuid()),
                "role", ObservedRole.of(s).name());
        Tags previous = o.info;
        o.info = info;
        if (previous != null && !previous.equals(info)) {
            remove(o, new SeriesKey("mysql_instance_info", previous));
        }
        set(o, "mysql_instance_info", info, 1);
    }

    private void set(Owner o, String name, Tags tags, double value) {
        values.computeIfAbsent(new SeriesKey(name, tags), k -> {
            AtomicReference<Double> holder = new AtomicReference<>(value);
            Gauge gauge = Gauge.builder(name, holder, AtomicReference::get).tags(tags).register(registry);
            o.series.add(k);
            return new Series(holder, gauge);
        }).value().set(value);
    }

    /**
     * Removes every series of one instance except {@code keep} (null: all); they come back with its
     * next good poll. Only the instance's own series are visited, not the whole registry's: an
     * instance going down costs the same at 50 instances as at 5,000.
     */
    private void removeAllBut(Owner o, String keep) {
        for (SeriesKey k : o.series) {
            if (!k.name().equals(keep)) {
                remove(o, k);
            }
        }
        o.info = null;
        o.populated = false;
    }

    private void remove(Owner o, SeriesKey k) {
        o.series.remove(k);
        Series series = values.remove(k);
        if (series != null) {
            registry.remove(series.gauge());
        }
    }

    private record Series(AtomicReference<Double> value, Gauge gauge) {
    }

    /**
     * A series by name and tags. Set some ten times per poll: a record of the two costs one small
     * object, where merging the name into the tags ({@code Tags.and}) sorted and copied them each time.
     */
    private record SeriesKey(String name, Tags tags) {
    }

    /**
     * One instance's tags (built once, not on every poll), the channels it has shown, its info series'
     * tags and the keys of all its series. A poll sets them from its polling thread, one poll of an
     * instance at a time; the rules engine sets the errant count from its own, hence the concurrent set.
     */
    private static final class Owner {
        final Tags instance;
        final Map<String, Tags> channels = new ConcurrentHashMap<>();
        final Set<SeriesKey> series = ConcurrentHashMap.newKeySet();
        volatile Tags info;
        /** Has series besides mysql_instance_up: an instance that stays down costs no removal. */
        volatile boolean populated;

        Owner(Tags instance) {
            this.instance = instance;
        }

        Tags channel(String name) {
            return channels.computeIfAbsent(name, n -> instance.and("channel", n));
        }
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }
}
