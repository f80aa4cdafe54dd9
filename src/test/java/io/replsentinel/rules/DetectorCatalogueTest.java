package io.replsentinel.rules;

import io.replsentinel.event.ChannelStatus;
import io.replsentinel.event.DeniedCapability;
import io.replsentinel.event.ReplicaHost;
import io.replsentinel.event.ReplicationStatus;
import io.replsentinel.poll.Captures;
import io.replsentinel.poll.Row;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static io.replsentinel.rules.StatusBuilder.instance;
import static org.assertj.core.api.Assertions.assertThat;

/** One case per alertname of the catalogue, over cluster views built from realistic statuses. */
class DetectorCatalogueTest {

    private static final Instant T0 = Instant.parse("2026-11-26T00:00:00Z");
    private static final String SOURCE = "127.0.0.1:23306";
    private static final String R1 = "127.0.0.1:23307";
    private static final String R2 = "127.0.0.1:23308";
    private static final String A = "d8d77de1-e932-11f1-91ae-02fc00000001";
    private static final String B = "dbff9504-e932-11f1-8d3e-02fc00000001";

    private final List<Detector> detectors = DetectorCatalogue.all(new DetectorSettings(Duration.ofSeconds(30),
            Duration.ofSeconds(300), Set.of(), Set.of(), Set.of()));
    private final ClusterView view = new ClusterView(Statuses.CLUSTER);

    private List<Finding> findings(String alertname, ReplicationStatus... statuses) {
        for (ReplicationStatus s : statuses) {
            view.update(s);
        }
        List<Finding> result = new ArrayList<>();
        detectors.stream().filter(d -> d.alertname().equals(alertname)).forEach(d -> result.addAll(d.detect(view)));
        return result;
    }

    /** A view that has been filling for a while, so membership questions get answers. */
    private void warmUp() {
        view.update(source().at(T0.minusSeconds(10)).build());
    }

    private static StatusBuilder source() {
        return instance(SOURCE).serverId(1).expectedRole("primary").dumpThreads(2);
    }

    private static StatusBuilder replica(String id, long serverId) {
        return instance(id).serverId(serverId).expectedRole("replica").replicating(SOURCE, 0L);
    }

    @Test
    void healthyTopology_raisesNothingAnywhereInTheCatalogue() {
        view.update(source().gtidExecuted(A + ":1-10").build());
        view.update(replica(R1, 2).gtidExecuted(A + ":1-10").at(T0.minusMillis(300)).build());
        view.update(replica(R2, 3).gtidExecuted(A + ":1-9").at(T0.minusMillis(600)).build());
        for (Detector d : detectors) {
            assertThat(d.detect(view)).as(d.alertname()).isEmpty();
        }
    }

    @Test
    void serverIdCollision_silentTwinReplicas_fireOnBothWithLabelAndDumpThreadEvidence() {
        List<Finding> f = findings(DetectorCatalogue.SERVER_ID_COLLISION,
                source().dumpThreads(2, new ReplicaHost(2L, "", 23307, null)).build(), replica(R1, 2).build(), replica(R2, 2).build());
        assertThat(f).extracting(Finding::instance).containsExactlyInAnyOrder(R1, R2);
        assertThat(f.get(0).labels()).containsEntry("server_id", "2");
        assertThat(f.get(0).evidence().get("dumpThreadsOnSources").toString()).contains("2 dump threads, 1 replicas listed");
    }

    @Test
    void serverIdCollision_replicaWithItsSourcesId_fires() {
        assertThat(findings(DetectorCatalogue.SERVER_ID_COLLISION, source().build(), replica(R1, 1).build()))
                .extracting(Finding::instance).containsExactlyInAnyOrder(SOURCE, R1);
    }

    @Test
    void serverUuidCollision_clonedAutoCnf_firesOnBoth() {
        assertThat(findings(DetectorCatalogue.SERVER_UUID_COLLISION, source().build(),
                replica(R1, 2).serverUuid("same").build(), replica(R2, 3).serverUuid("same").build()))
                .extracting(Finding::instance).containsExactlyInAnyOrder(R1, R2);
    }

    @Test
    void errantTransactions_mysqlCapture_firesWithTheErrantSet() {
        Row src = Captures.section("mysql-errant-gtid.txt", "m1 GTID variables").get(0);
        Row rep = Captures.section("mysql-errant-gtid.txt", "m3 GTID variables").get(0);
        List<Finding> f = findings(DetectorCatalogue.ERRANT_TRANSACTIONS,
                source().gtidExecuted(src.text("@@GLOBAL.gtid_executed")).at(T0.plusMillis(400)).build(),
                replica(R1, 3).gtidExecuted(rep.text("@@GLOBAL.gtid_executed").replaceAll("\\s", "")).build());
        assertThat(f).singleElement().satisfies(e -> {
            assertThat(e.instance()).isEqualTo(R1);
            assertThat(e.evidence().get("errantGtids")).isEqualTo(rep.text("@@server_uuid") + ":1");
            assertThat(e.severity()).isEqualTo("warning");
        });
    }

    @Test
    void errantTransactions_sourcePolledBeforeTheReplica_isNoFalseAlarm() {
        assertThat(findings(DetectorCatalogue.ERRANT_TRANSACTIONS,
                source().gtidExecuted(A + ":1-10").at(T0.minusMillis(500)).build(),
                replica(R1, 2).gtidExecuted(A + ":1-11").build())).isEmpty();
        assertThat(findings(DetectorCatalogue.ERRANT_TRANSACTIONS,
                source().gtidExecuted(A + ":1-11").at(T0.plusMillis(500)).build())).isEmpty();
    }

    @Test
    void errantTransactions_verdictHeldWhileTheSourceIsOlderThanTheReplica() {
        findings(DetectorCatalogue.ERRANT_TRANSACTIONS, source().gtidExecuted(A + ":1-10").at(T0.plusMillis(100)).build(),
                replica(R1, 2).gtidExecuted(A + ":1-10," + B + ":1").build());
        assertThat(findings(DetectorCatalogue.ERRANT_TRANSACTIONS,
                replica(R1, 2).gtidExecuted(A + ":1-10," + B + ":1").at(T0.plusSeconds(1)).build())).hasSize(1);
    }

    @Test
    void errantTransactions_allowedUuid_isNotReported() {
        DetectorSettings allow = new DetectorSettings(Duration.ofSeconds(30), Duration.ofSeconds(300), Set.of(B), Set.of(), Set.of());
        view.update(source().gtidExecuted(A + ":1-10").at(T0.plusMillis(100)).build());
        view.update(replica(R1, 2).gtidExecuted(A + ":1-10," + B + ":1-3").build());
        Detector d = DetectorCatalogue.all(allow).stream()
                .filter(x -> x.alertname().equals(DetectorCatalogue.ERRANT_TRANSACTIONS)).findFirst().orElseThrow();
        assertThat(d.detect(view)).isEmpty();
    }

    @Test
    void errantTransactions_mariadbBinlogStateCapture_firesOnTheForeignServerId() {
        List<Finding> f = findings(DetectorCatalogue.ERRANT_TRANSACTIONS,
                source().mariadb("10.11.19").serverId(11).gtidBinlogState("0-11-6").at(T0.plusMillis(100)).build(),
                replica(R1, 13).mariadb("10.11.19").gtidBinlogState("0-11-5,0-13-6").build());
        assertThat(f).singleElement().satisfies(e -> assertThat(e.evidence().get("errantGtids")).isEqualTo("0-13-6"));
    }

    @Test
    void multipleWritablePrimaries_writableReplica_firesOnEachWritableInstance() {
        List<Finding> f = findings(DetectorCatalogue.MULTIPLE_WRITABLE_PRIMARIES, source().build(),
                replica(R1, 2).readOnly(false).build(), replica(R2, 3).build());
        assertThat(f).extracting(Finding::instance).containsExactlyInAnyOrder(SOURCE, R1);
        assertThat(f.get(0).evidence().get("writableInstances")).isEqualTo(List.of(SOURCE, R1));
    }

    @Test
    void versionSkew_replicaOlderThanItsSource_fires() {
        assertThat(findings(DetectorCatalogue.REPLICATION_VERSION_SKEW, source().mariadb("11.8.3").build(),
                replica(R1, 2).mariadb("10.11.19").build())).singleElement()
                .satisfies(f -> assertThat(f.evidence()).containsEntry("sourceVersion", "11.8.3"));
    }

    @Test
    void versionSkew_replicaNewerByOneMajor_isFine_butTwoMajorsApartFires() {
        assertThat(findings(DetectorCatalogue.REPLICATION_VERSION_SKEW, source().version("8.4.6").build(),
                replica(R1, 2).version("9.7.4").build())).isEmpty();
        assertThat(findings(DetectorCatalogue.REPLICATION_VERSION_SKEW, source().version("5.7.44").build())).hasSize(1);
    }

    @Test
    void configDrift_oneReplicaWithMinimalRowImage_firesOnItWithSettingLabel() {
        List<Finding> f = findings(DetectorCatalogue.REPLICATION_CONFIG_DRIFT, source().build(),
                replica(R1, 2).binlogRowImage("MINIMAL").build(), replica(R2, 3).build());
        assertThat(f).singleElement().satisfies(e -> {
            assertThat(e.instance()).isEqualTo(R1);
            assertThat(e.labels()).containsEntry("setting", "binlog_row_image");
            assertThat(e.evidence()).containsEntry("value", "MINIMAL").containsEntry("expected", "FULL");
        });
    }

    @Test
    void lagHigh_secondsBehindSourcePastThresholds_firesWarningThenCritical() {
        assertThat(findings(DetectorCatalogue.REPLICATION_LAG_HIGH, source().build(),
                instance(R1).serverId(2).replicating(SOURCE, 29L).build())).isEmpty();
        assertThat(findings(DetectorCatalogue.REPLICATION_LAG_HIGH, instance(R1).serverId(2).replicating(SOURCE, 45L)
                .at(T0.plusSeconds(1)).build())).singleElement().satisfies(f -> assertThat(f.severity()).isEqualTo("warning"));
        assertThat(findings(DetectorCatalogue.REPLICATION_LAG_HIGH, instance(R1).serverId(2).replicating(SOURCE, 301L)
                .at(T0.plusSeconds(2)).build())).singleElement().satisfies(f -> assertThat(f.severity()).isEqualTo("critical"));
    }

    @Test
    void lagHigh_heartbeatLagWinsOverSecondsBehindSource() {
        assertThat(findings(DetectorCatalogue.REPLICATION_LAG_HIGH, source().build(),
                instance(R1).serverId(2).replicating(SOURCE, 0L).heartbeatLagMillis(42_000).build()))
                .singleElement().satisfies(f -> assertThat(f.evidence()).containsEntry("source", "heartbeat"));
    }

    @Test
    void notConfigured_expectedReplicaWithNoChannel_fires() {
        assertThat(findings(DetectorCatalogue.REPLICATION_NOT_CONFIGURED, source().build(),
                instance(R1).serverId(2).expectedRole("replica").readOnly(true).build()))
                .extracting(Finding::instance).containsExactly(R1);
    }

    @Test
    void notConfigured_expectedReplicaPromotedAndReplicatedFrom_raisesNothingAndIsTheObservedPrimary() {
        // after a switchover: R1 (expected replica) is writable with no channel; R2 and the old primary replicate from it
        List<Finding> f = findings(DetectorCatalogue.REPLICATION_NOT_CONFIGURED,
                source().replicating(R1, 0L).build(), instance(R1).serverId(2).expectedRole("replica").build(),
                replica(R2, 3).build());
        assertThat(f).isEmpty();
        view.update(instance(R2).serverId(3).expectedRole("replica").replicating(R1, 0L).build());
        assertThat(view.primary()).map(ReplicationStatus::instance).contains(R1);
        assertThat(view.promoted(view.instance(R1).orElseThrow())).isTrue();
    }

    @Test
    void notConfigured_writableExpectedReplicaNoOneReplicatesFrom_firesAndTheExpectedPrimaryStaysPrimary() {
        // RESET REPLICA ALL + read_only OFF on an expected replica: two writable, channel-less instances
        List<Finding> f = findings(DetectorCatalogue.REPLICATION_NOT_CONFIGURED, source().build(),
                instance(R1).serverId(2).expectedRole("replica").build(), replica(R2, 3).build());
        assertThat(f).extracting(Finding::instance).containsExactly(R1);
        assertThat(f.get(0).evidence()).containsEntry("readOnly", false).containsEntry("replicatedFromBy", 0);
        assertThat(view.primary()).map(ReplicationStatus::instance).contains(SOURCE);
        assertThat(view.primaryWith(instance(R1).serverId(2).expectedRole("replica").build())).isFalse();
        assertThat(view.primaryWith(source().build())).isTrue();
    }

    @Test
    void sourceMismatch_midSwitchover_replicaOfTheReadOnlyNewPrimaryIsNotReportedNotPrimary() {
        warmUp();
        // the old primary is read-only already; R1 is promoted but not yet writable; R2 already follows R1
        List<Finding> f = findings(DetectorCatalogue.REPLICA_SOURCE_MISMATCH, source().readOnly(true).build(),
                instance(R1).serverId(2).expectedRole("replica").readOnly(true).build(),
                instance(R2).serverId(3).expectedRole("replica").replicating(R1, 0L).build());
        assertThat(f).isEmpty();
        assertThat(view.primary()).map(ReplicationStatus::instance).contains(R1);
    }

    @Test
    void gtidSetUnreadable_mysqlGtidExecutedThatDoesNotParse_firesWarningWithFieldAndError() {
        List<Finding> f = findings(DetectorCatalogue.GTID_SET_UNREADABLE, source().gtidExecuted(A + ":1-10").build(),
                replica(R1, 2).gtidExecuted(A + ":1-10,not-a-uuid:7").build());
        assertThat(f).singleElement().satisfies(x -> {
            assertThat(x.instance()).isEqualTo(R1);
            assertThat(x.severity()).isEqualTo("warning");
            assertThat(x.labels()).containsEntry("field", "gtidExecuted");
            assertThat(x.evidence()).containsEntry("value", A + ":1-10,not-a-uuid:7")
                    .containsEntry("checksOff", List.of(DetectorCatalogue.ERRANT_TRANSACTIONS));
            assertThat(x.evidence().get("parseError").toString()).contains("not-a-uuid");
        });
        assertThat(findings(DetectorCatalogue.GTID_SET_UNREADABLE,
                replica(R1, 2).gtidExecuted(A + ":1-11").at(T0.plusSeconds(1)).build())).isEmpty();
    }

    @Test
    void gtidSetUnreadable_mariadbBinlogStateThatDoesNotParse_fires() {
        assertThat(findings(DetectorCatalogue.GTID_SET_UNREADABLE, source().mariadb("10.11.14").gtidBinlogState("0-1-9").build(),
                replica(R1, 2).mariadb("10.11.14").gtidBinlogState("0-1-x9").build()))
                .singleElement().satisfies(x -> assertThat(x.labels()).containsEntry("field", "gtidBinlogState"));
    }

    @Test
    void sourceMismatch_unresolvableHost_firesWithCauseUnresolvable() {
        assertThat(findings(DetectorCatalogue.REPLICA_SOURCE_MISMATCH, source().build(),
                instance(R1).serverId(2).channel("mysql-0.mysql-headless.orders.svc:3306", "", null, false).build()))
                .singleElement().satisfies(f -> assertThat(f.labels()).containsEntry("cause", "unresolvable").containsEntry("channel", ""));
    }

    @Test
    void sourceMismatch_sourceOutsideTheCluster_firesWithCauseNotInCluster() {
        warmUp();
        assertThat(findings(DetectorCatalogue.REPLICA_SOURCE_MISMATCH, source().build(),
                instance(R1).serverId(2).replicating("127.0.0.1:29999", 0L).build()))
                .singleElement().satisfies(f -> assertThat(f.labels()).containsEntry("cause", "not_in_cluster"));
    }

    @Test
    void sourceMismatch_replicaOfAReplica_firesWithCauseNotPrimary() {
        warmUp();
        assertThat(findings(DetectorCatalogue.REPLICA_SOURCE_MISMATCH, source().build(), replica(R1, 2).build(),
                instance(R2).serverId(3).replicating(R1, 0L).build()))
                .singleElement().satisfies(f -> {
                    assertThat(f.instance()).isEqualTo(R2);
                    assertThat(f.labels()).containsEntry("cause", "not_primary");
                });
    }

    @Test
    void sourceMismatch_beforeTheViewIsWarm_saysNothingAboutMembership() {
        assertThat(findings(DetectorCatalogue.REPLICA_SOURCE_MISMATCH, source().build(),
                instance(R1).serverId(2).replicating("127.0.0.1:29999", 0L).build())).isEmpty();
    }

    @Test
    void multiSourceReplica_everyChannelIsWatchedAndLabelled() {
        warmUp();
        List<Finding> f = findings(DetectorCatalogue.REPLICA_SOURCE_MISMATCH, source().build(),
                instance(R1).serverId(2).channel(SOURCE, "main", 0L, true).channel("nowhere.invalid:3306", "reports", null, false).build());
        assertThat(f).singleElement().satisfies(x -> assertThat(x.labels()).containsEntry("channel", "reports"));
    }

    private static ReplicationStatus connectingWith(String replica, int errno, String error) {
        ReplicationStatus healthy = replica(replica, 2).build();
        ChannelStatus ch = healthy.channels().get(0);
        ChannelStatus connecting = new ChannelStatus(ch.name(), ch.sourceHost(), ch.sourcePort(), null, null,
                ChannelStatus.CONNECTING, ChannelStatus.RUNNING, errno, error, T0, 0, null, null, null, null, "", "", true,
                0L, ch.sourceAddresses(), true);
        return healthy.toBuilder().channels(List.of(connecting)).build();
    }

    private static final String NO_REPLICATION_SLAVE = "Master command COM_REGISTER_SLAVE failed: Access denied; you need"
            + " (at least one of) the REPLICATION SLAVE privilege(s) for this operation";

    @Test
    void ioThreadConnectingOnAnErrorNoRetryHeals_sourceAnswering_firesIoThreadStoppedAtOnceNotConnecting() {
        ReplicationStatus replica = connectingWith(R1, 1597, NO_REPLICATION_SLAVE);
        List<Finding> stopped = findings(DetectorCatalogue.REPLICATION_IO_THREAD_STOPPED, source().build(), replica);
        assertThat(stopped).singleElement().satisfies(f -> {
            assertThat(f.labels()).containsEntry("cause", "auth");
            assertThat(f.evidence()).containsEntry("lastIoErrno", 1597).containsEntry("retryCannotHeal", true);
        });
        assertThat(findings(DetectorCatalogue.REPLICATION_IO_THREAD_CONNECTING)).isEmpty();
    }

    @Test
    void ioThreadConnectingOnAnAuthError_sourceItselfUnreachable_leavesItToTheConnectingThreshold() {
        ReplicationStatus down = ReplicationStatus.builder(Statuses.CLUSTER, SOURCE).observedAt(T0).reachable(false)
                .error(new io.replsentinel.event.PollError("refused", null, "Connection refused")).build();
        ReplicationStatus replica = connectingWith(R1, 1045, "Access denied for user 'repl'@'localhost'");
        assertThat(findings(DetectorCatalogue.REPLICATION_IO_THREAD_STOPPED, down, replica)).isEmpty();
        assertThat(findings(DetectorCatalogue.REPLICATION_IO_THREAD_CONNECTING)).hasSize(1);
    }

    @Test
    void ioThreadConnectingOnANetworkError_isConnectingNeverStopped() {
        ReplicationStatus replica = connectingWith(R1, 2003, "Can't connect to MySQL server on '127.0.0.1:23306' (111)");
        assertThat(findings(DetectorCatalogue.REPLICATION_IO_THREAD_STOPPED, source().build(), replica)).isEmpty();
        assertThat(findings(DetectorCatalogue.REPLICATION_IO_THREAD_CONNECTING)).hasSize(1);
    }

    @Test
    void monitorPrivilegesMissing_oneAlertPerPrivilegeWithStatementErrorLossAndGrant() {
        DeniedCapability hosts = new DeniedCapability("replica_hosts", "REPLICATION MASTER ADMIN", "SHOW REPLICA HOSTS",
                1227, "Access denied; you need (at least one of) the REPLICATION MASTER ADMIN privilege(s)",
                "the source's own list of its replicas", "GRANT REPLICATION MASTER ADMIN ON *.* TO 'mon'@'%'");
        ReplicationStatus s = source().build().toBuilder().missingPrivileges(List.of("replica_hosts"))
                .deniedCapabilities(List.of(hosts)).build();
        List<Finding> f = findings(DetectorCatalogue.MONITOR_PRIVILEGES_MISSING, s, replica(R1, 2).build());
        assertThat(f).singleElement().satisfies(one -> {
            assertThat(one.instance()).isEqualTo(SOURCE);
            assertThat(one.severity()).isEqualTo("warning");
            assertThat(one.labels()).containsEntry("privilege", "REPLICATION MASTER ADMIN");
            assertThat(one.evidence()).containsEntry("grant", "GRANT REPLICATION MASTER ADMIN ON *.* TO 'mon'@'%'");
            assertThat(one.evidence().get("denied").toString()).contains("SHOW REPLICA HOSTS", "1227", "own list");
        });
    }
}
