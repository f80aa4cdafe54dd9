package io.replsentinel.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.replsentinel.event.ChannelStatus;
import io.replsentinel.event.ObservedRole;
import io.replsentinel.event.ReplicationStatus;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

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
        setInstance(o, UP, s.reachable() ? 1 : 0);
        if (!s.reachable()) {
            if (o.populated) {
                removeAllBut(o, UP);
            }
            return;
        }
        o.populated = true;
        info(s, o);
        for (ChannelStatus ch : s.channels()) {
            ChannelSeries c = o.channel(ch.name());
            setChannel(o, c, "mysql_replication_configured", 1);
            setChannel(o, c, "mysql_replication_io_thread_running", ChannelStatus.RUNNING.equals(ch.ioState()) ? 1 : 0);
            setChannel(o, c, "mysql_replication_io_thread_connecting", ChannelStatus.CONNECTING.equals(ch.ioState()) ? 1 : 0);
            setChannel(o, c, "mysql_replication_sql_thread_running", ChannelStatus.RUNNING.equals(ch.sqlState()) ? 1 : 0);
            setChannel(o, c, "mysql_replication_last_io_errno", ch.lastIoErrno());
            setChannel(o, c, "mysql_replication_last_sql_errno", ch.lastSqlErrno());
            setChannel(o, c, "mysql_replication_lag_seconds",
                    ch.secondsBehindSource() == null ? Double.NaN : ch.secondsBehindSource());
        }
        if (s.heartbeatLagMillis() != null && s.channels().size() == 1) {
            setChannel(o, o.channel(s.channels().get(0).name()), "mysql_replication_heartbeat_lag_seconds",
                    s.heartbeatLagMillis() / 1000.0);
        }
        // every channel shown is among those it has had: as many means the same ones, and none is gone
        if (o.channels.size() != s.channels().size()) {
            Set<String> seen = new HashSet<>();
            s.channels().forEach(ch -> seen.add(ch.name()));
            for (Map.Entry<String, ChannelSeries> gone : o.channels.entrySet()) {
                if (!seen.contains(gone.getKey())) {
                    ChannelSeries c = gone.getValue();
                    setChannel(o, c, "mysql_replication_configured", 0);
                    setChannel(o, c, "mysql_replication_io_thread_running", 0);
                    setChannel(o, c, "mysql_replication_sql_thread_running", 0);
                    setChannel(o, c, "mysql_replication_io_thread_connecting", 0);
                }
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
        setInstance(o, "mysql_replication_errant_transactions", count);
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

    /** {@code mysql_instance_info}: rebuilt only when one of its labels changed, which a poll seldom does. */
    private void info(ReplicationStatus s, Owner o) {
        String[] labels = {nz(s.flavor()), nz(s.version()), s.serverId() == null ? "" : s.serverId().toString(),
                nz(s.serverUuid()), ObservedRole.of(s).name()};
        Tags previous = o.info;
        if (previous != null && Arrays.equals(labels, o.infoLabels)) {
            return; // its series is at 1 already
        }
        Tags info = o.instance.and("flavor", labels[0], "version", labels[1], "server_id", labels[2],
                "server_uuid", labels[3], "role", labels[4]);
        if (previous != null) { // a label changed, so its tags did
            remove(o, new SeriesKey("mysql_instance_info", previous));
        }
        register(o, "mysql_instance_info", info, 1).set(1);
        o.info = info;
        o.infoLabels = labels;
    }

    private void setInstance(Owner o, String name, double value) {
        set(o, o.instanceSeries, o.instance, name, value);
    }

    private void setChannel(Owner o, ChannelSeries c, String name, double value) {
        set(o, c.series, c.tags, name, value);
    }

    /** A series found by name in its instance's or channel's own small map, not by hashing its tags. */
    private void set(Owner o, Map<String, Value> byName, Tags tags, String name, double value) {
        Value v = byName.get(name);
        if (v == null) {
            v = register(o, name, tags, value);
            byName.put(name, v);
        }
        v.set(value);
    }

    private Value register(Owner o, String name, Tags tags, double value) {
        return values.computeIfAbsent(new SeriesKey(name, tags), k -> {
            Value holder = new Value(value);
            Gauge gauge = Gauge.builder(name, holder, Value::get).tags(tags).register(registry);
            o.series.add(k);
            return new Series(holder, gauge);
        }).value();
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
        o.instanceSeries.keySet().removeIf(name -> !name.equals(keep));
        o.channels.values().forEach(c -> c.series.clear());
        o.populated = false;
    }

    private void remove(Owner o, SeriesKey k) {
        o.series.remove(k);
        Series series = values.remove(k);
        if (series != null) {
            registry.remove(series.gauge());
        }
    }

    private record Series(Value value, Gauge gauge) {
    }

    /** A gauge's value: a volatile double, so that setting it boxes nothing. */
    private static final class Value {
        private volatile double value;

        Value(double value) {
            this.value = value;
        }

        void set(double v) {
            value = v;
        }

        double get() {
            return value;
        }
    }

    /** One channel's tags and its series by name. */
    private static final class ChannelSeries {
        final Tags tags;
        final Map<String, Value> series = new ConcurrentHashMap<>();

        ChannelSeries(Tags tags) {
            this.tags = tags;
        }
    }

    /**
     * A series by name and tags. Set some ten times per poll: a record of the two costs one small
     * object, where merging the name into the tags ({@code Tags.and}) sorted and copied them each time.
     */
    private record SeriesKey(String name, Tags tags) {
    }

    /**
     * One instance's tags (built once, not on every poll), the channels it has shown, its info series'
     * tags and labels, its series' values by name (a poll sets some ten, each found without hashing a
     * set of tags) and the keys of all its series. A poll sets them from its polling thread, one poll
     * of an instance at a time; the rules engine sets the errant count from its own, hence the
     * concurrent maps.
     */
    private static final class Owner {
        final Tags instance;
        final Map<String, ChannelSeries> channels = new ConcurrentHashMap<>();
        final Map<String, Value> instanceSeries = new ConcurrentHashMap<>();
        final Set<SeriesKey> series = ConcurrentHashMap.newKeySet();
        volatile Tags info;
        volatile String[] infoLabels;
        /** Has series besides mysql_instance_up: an instance that stays down costs no removal. */
        volatile boolean populated;

        Owner(Tags instance) {
            this.instance = instance;
        }

        ChannelSeries channel(String name) {
            ChannelSeries c = channels.get(name);
            return c != null ? c : channels.computeIfAbsent(name, n -> new ChannelSeries(instance.and("channel", n)));
        }
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }
}
