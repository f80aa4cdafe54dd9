package io.replsentinel.bench;

import io.replsentinel.event.ChannelStatus;
import io.replsentinel.event.ReplicaHost;
import io.replsentinel.event.ReplicationStatus;
import io.replsentinel.poll.Captures;
import io.replsentinel.poll.ReplicaStatusParser;
import io.replsentinel.poll.Row;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The status stream a fleet of clusters of three (a source and two replicas, one channel each)
 * sends to the rules engine, for benchmarks: event {@code n} is one instance's poll, round after
 * round over the fleet, and {@code observedAt} only moves forward. Channels are the captured server
 * output of {@code src/test/resources/captures}, re-addressed to each cluster's source; server ids,
 * UUIDs and GTID sets are the capture's own (every cluster is a copy of the captured topology).
 *
 * <p>One replica in {@value #FAULT_PERIOD} has its applier stopped on a duplicate key and another
 * one in {@value #FAULT_PERIOD} has its receiver connecting to an unreachable source, for good:
 * broken replicas stay broken until someone repairs them. The pattern repeats every
 * {@value #FAULT_PERIOD_CLUSTERS} clusters, so any fleet of a multiple of that has exactly 5% of
 * each. The stream starts an hour before the fleet is built, so these faults are past their
 * {@code for:} and firing as soon as the engine has seen them once; a round then advances a
 * second, so the stream runs ahead of the wall clock at benchmark speed (the engine compares the
 * two only to time {@code for:} and {@code keep_firing_for}).
 */
final class Fleet {

    /** One replica in this many has each fault. */
    static final int FAULT_PERIOD = 20;
    static final int FAULT_PERIOD_CLUSTERS = FAULT_PERIOD / 2;
    static final int INSTANCES_PER_CLUSTER = 3;
    private static final long POLL_INTERVAL_NANOS = 1_000_000_000L;

    /** The captured topology a fleet copies. */
    enum Flavor {
        mysql("9.7.4", "mysql-healthy.txt", "mysql-dupkey.txt", "mysql-source-down.txt", 1,
                "m1 GTID variables", "@@GLOBAL.gtid_executed", 1, "0e9ff179-e933-11f1-93e1-02fc00000001",
                "10344532-e933-11f1-99ef-02fc00000001", "11c38cc6-e933-11f1-bad3-02fc00000001"),
        mariadb("10.11.14", "mariadb-healthy.txt", "mariadb-dupkey.txt", "mariadb-source-down.txt", 0,
                "a1 GTID variables", "@@GLOBAL.gtid_current_pos", 11);

        final String version;
        final String healthy;
        final String duplicateKey;
        final String sourceDown;
        /** Which SHOW REPLICA STATUS section of the source-down capture has the receiver connecting. */
        final int connectingSection;
        final String sourceVariables;
        final String sourceGtidColumn;
        /** The source's server id; the replicas' follow it. */
        final long firstServerId;
        /** By member (source first); MariaDB has none. */
        final List<String> serverUuids;

        Flavor(String version, String healthy, String duplicateKey, String sourceDown, int connectingSection,
               String sourceVariables, String sourceGtidColumn, long firstServerId, String... serverUuids) {
            this.version = version;
            this.healthy = healthy;
            this.duplicateKey = duplicateKey;
            this.sourceDown = sourceDown;
            this.connectingSection = connectingSection;
            this.sourceVariables = sourceVariables;
            this.sourceGtidColumn = sourceGtidColumn;
            this.firstServerId = firstServerId;
            this.serverUuids = List.of(serverUuids);
        }
    }

    private final int clusters;
    private final Instant start;
    /** One per instance, in stream order, with {@code observedAt} = {@link #start}. */
    private final List<ReplicationStatus> templates;

    private Fleet(int clusters, Instant start, List<ReplicationStatus> templates) {
        this.clusters = clusters;
        this.start = start;
        this.templates = templates;
    }

    static Fleet of(Flavor flavor, int clusters) {
        Instant start = Instant.now().minusSeconds(3600);
        ChannelStatus healthy = channel(flavor.healthy, 0);
        ChannelStatus duplicateKey = channel(flavor.duplicateKey, 0);
        ChannelStatus connecting = channel(flavor.sourceDown, flavor.connectingSection);
        Row sourceVars = Captures.section(flavor.healthy, flavor.sourceVariables).get(0);
        String gtidExecuted = sourceVars.text(flavor.sourceGtidColumn);
        List<ReplicationStatus> templates = new ArrayList<>(clusters * INSTANCES_PER_CLUSTER);
        for (int k = 0; k < clusters; k++) {
            String cluster = clusterName(k);
            String sourceHost = host(k, 0);
            templates.add(status(flavor, cluster, 0, sourceHost, start, gtidExecuted, List.of(),
                    List.of(replicaHost(flavor, k, 1), replicaHost(flavor, k, 2))));
            for (int r = 1; r <= 2; r++) {
                int replica = 2 * k + r - 1;
                ChannelStatus ch = replica % FAULT_PERIOD == 0 ? duplicateKey
                        : replica % FAULT_PERIOD == FAULT_PERIOD / 2 ? connecting : healthy;
                templates.add(status(flavor, cluster, r, host(k, r), start, gtidExecuted,
                        List.of(at(ch, sourceHost)), List.of()));
            }
        }
        return new Fleet(clusters, start, List.copyOf(templates));
    }

    static String clusterName(int k) {
        return String.format(Locale.ROOT, "cluster-%05d", k);
    }

    int clusters() {
        return clusters;
    }

    /** Events in one poll round: every instance once. */
    int instances() {
        return clusters * INSTANCES_PER_CLUSTER;
    }

    /** The {@code n}-th status of the stream. */
    ReplicationStatus status(long n) {
        return withObservedAt(templates.get(templateIndex(n)), observedAt(n));
    }

    /** Which of {@link #templates()} the {@code n}-th status is a poll of. */
    int templateIndex(long n) {
        return (int) (n % templates.size());
    }

    /** Every instance's poll, in stream order, all taken when the stream starts. */
    List<ReplicationStatus> templates() {
        return templates;
    }

    /** A round polls every instance once and lasts a second; its polls are spread over it. */
    Instant observedAt(long n) {
        long round = n / instances();
        long slot = n % instances();
        return start.plusNanos(round * POLL_INTERVAL_NANOS + slot * (POLL_INTERVAL_NANOS / instances()));
    }

    /** The same poll, taken at {@code at}: what the next poll of a steady instance looks like. */
    static ReplicationStatus withObservedAt(ReplicationStatus s, Instant at) {
        return s.toBuilder().observedAt(at).build();
    }

    private static ReplicationStatus status(Flavor flavor, String cluster, int member, String instance,
                                            Instant observedAt, String gtidExecuted, List<ChannelStatus> channels,
                                            List<ReplicaHost> replicas) {
        boolean mysql = flavor == Flavor.mysql;
        boolean readOnly = member > 0;
        return ReplicationStatus.builder(cluster, instance).observedAt(observedAt).pollMillis(3).reachable(true)
                .flavor(flavor.name()).version(flavor.version).serverId((long) flavor.firstServerId + member)
                .serverUuid(uuid(flavor, member)).readOnly(readOnly).superReadOnly(mysql ? readOnly : null)
                .gtidMode(mysql ? "ON" : null).gtidExecuted(gtidExecuted).binlogFormat("ROW").logReplicaUpdates(true)
                .channels(channels).replicas(replicas).expectedRole(readOnly ? "replica" : "primary")
                .labels(Map.of("zone", "zone-" + (char) ('a' + member), "team", "dba")).build();
    }

    private static ReplicaHost replicaHost(Flavor flavor, int cluster, int member) {
        String host = host(cluster, member);
        return new ReplicaHost(flavor.firstServerId + member, host.substring(0, host.indexOf(':')), 3306,
                uuid(flavor, member));
    }

    private static String uuid(Flavor flavor, int member) {
        return flavor.serverUuids.isEmpty() ? null : flavor.serverUuids.get(member);
    }

    private static ChannelStatus channel(String capture, int section) {
        return ReplicaStatusParser.parse(Captures.section(capture, "SHOW REPLICA STATUS", section).get(0));
    }

    /** The captured channel, replicating from this cluster's source. */
    private static ChannelStatus at(ChannelStatus c, String sourceHost) {
        return new ChannelStatus(c.name(), sourceHost.substring(0, sourceHost.indexOf(':')), 3306,
                c.sourceServerId(), c.sourceUuid(), c.ioState(), c.sqlState(), c.lastIoErrno(),
                c.lastIoError() == null ? null : c.lastIoError().replace(c.sourceHost() + ":" + c.sourcePort(), sourceHost),
                c.lastIoErrorAt(), c.lastSqlErrno(), c.lastSqlError(), c.lastSqlErrorAt(), c.lastSqlCoordinatorError(),
                c.secondsBehindSource(), c.retrievedGtidSet(), c.executedGtidSet(), c.autoPosition());
    }

    private static String host(int cluster, int member) {
        return String.format(Locale.ROOT, "db%d-c%05d.example.internal:3306", member + 1, cluster);
    }
}
