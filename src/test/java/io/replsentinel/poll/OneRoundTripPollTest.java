package io.replsentinel.poll;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.replsentinel.event.DeniedCapability;
import io.replsentinel.event.PollerIdentity;
import io.replsentinel.event.ReplicationStatus;
import io.replsentinel.inventory.Secret;
import io.replsentinel.inventory.SentinelConfig;
import io.replsentinel.inventory.WatchedInstance;
import io.replsentinel.kafka.KafkaBrokerResource;
import io.replsentinel.lab.DbServer;
import io.replsentinel.lab.Flavor;
import io.replsentinel.lab.Topology;
import io.replsentinel.pipeline.Lab;
import io.replsentinel.pipeline.LabResource;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A poll of a kept connection asks the server once: the variables, SHOW REPLICA STATUS and SHOW
 * REPLICAS go in one request (counted on the wire, by a relay in front of the real lab server that
 * reads the client's packets; the monitoring connection in plaintext so that it can), and the
 * status read so holds what each statement says. An
 * account that may not list the replicas gets its denial named on every poll, and its polls go
 * on in one request of the two statements left.
 */
@QuarkusTest
@WithTestResource(value = KafkaBrokerResource.class, scope = TestResourceScope.GLOBAL)
@WithTestResource(value = LabResource.class, scope = TestResourceScope.GLOBAL)
class OneRoundTripPollTest {

    private static final String ACCOUNT = "one_trip_probe";
    private static final String PASSWORD = "probe-pw";

    @Test
    void mysqlReplica_eachPollOfAKeptConnectionIsOneRequest() throws Exception {
        DbServer replica = Lab.mysql().replicas().get(0);
        assertOneRequestPerPoll(replica, Topology.MONITOR_USER, Topology.MONITOR_PASSWORD, "SHOW REPLICAS");
    }

    @Test
    void mariadbReplica_eachPollOfAKeptConnectionIsOneRequest() throws Exception {
        DbServer replica = Lab.mariadb().replicas().get(0);
        assertOneRequestPerPoll(replica, Topology.MONITOR_USER, Topology.MONITOR_PASSWORD, "SHOW REPLICA HOSTS");
    }

    @Test
    void mysqlReplica_replicaListDenied_namedOnEveryPoll_pollsStayOneRequestWithoutIt() throws Exception {
        deniedReplicaList(Lab.mysql(), "REPLICATION SLAVE", "SHOW REPLICAS");
    }

    @Test
    void mariadbReplica_replicaListDenied_namedOnEveryPoll_pollsStayOneRequestWithoutIt() throws Exception {
        deniedReplicaList(Lab.mariadb(), "REPLICATION MASTER ADMIN", "SHOW REPLICA HOSTS");
    }

    @Test
    void mysqlSource_countsItsDumpThreadsOnceAnInterval_statusesInBetweenCarryTheCount_aFreshLoginCountsAgain() throws Exception {
        assertDumpThreadsCountedOnceAnInterval(Lab.mysql().source());
    }

    @Test
    void mariadbSource_countsItsDumpThreadsOnceAnInterval_statusesInBetweenCarryTheCount_aFreshLoginCountsAgain() throws Exception {
        assertDumpThreadsCountedOnceAnInterval(Lab.mariadb().source());
    }

    /**
     * The processlist walk, the one costly read of a poll, is sent on a connection's first poll and
     * then once every {@code sentinel.poll.dump-thread-interval} (10 s) of the polls' own times;
     * every status in between says the count last read.
     */
    private static void assertDumpThreadsCountedOnceAnInterval(DbServer source) throws Exception {
        Instant t0 = Instant.now();
        try (Polls polls = new Polls(source, Topology.MONITOR_USER, Topology.MONITOR_PASSWORD)) {
            ReplicationStatus first = polls.next(t0);
            assertThat(polls.lastSent()).as("a connection's first poll").anyMatch(q -> q.contains(PROCESSLIST));
            assertThat(first.binlogDumpThreads()).as("the source streams to its replica").isGreaterThanOrEqualTo(1);
            for (long second : new long[] {1, 5, 9}) {
                ReplicationStatus s = polls.next(t0.plusSeconds(second).plusMillis(999));
                assertThat(polls.lastSent()).as("poll at +%d s", second).hasSize(1).noneMatch(q -> q.contains(PROCESSLIST));
                assertThat(s.reachable()).isTrue();
                assertThat(s.binlogDumpThreads()).as("poll at +%d s", second).isEqualTo(first.binlogDumpThreads());
            }
            ReplicationStatus tenth = polls.next(t0.plusSeconds(10));
            assertThat(polls.lastSent()).as("poll at +10 s").hasSize(1).anyMatch(q -> q.contains(PROCESSLIST));
            assertThat(tenth.binlogDumpThreads()).as("counted again").isNotNull();
            polls.next(t0.plusSeconds(11));
            assertThat(polls.lastSent()).as("poll at +11 s").noneMatch(q -> q.contains(PROCESSLIST));

            polls.poller.close(); // the next poll logs in again: the server may have restarted meanwhile
            ReplicationStatus again = polls.next(t0.plusSeconds(12));
            assertThat(polls.lastSent()).as("a fresh login's first poll").anyMatch(q -> q.contains(PROCESSLIST));
            assertThat(again.binlogDumpThreads()).as("counted again").isNotNull();
        }
    }

    private static final String PROCESSLIST = "information_schema.PROCESSLIST";

    private static void assertOneRequestPerPoll(DbServer replica, String user, String password, String replicaList)
            throws Exception {
        try (Polls polls = new Polls(replica, user, password)) {
            ReplicationStatus first = polls.next(); // the login's own statements, and MySQL's error tables once
            for (int poll = 2; poll <= 4; poll++) {
                int before = polls.tap.queries().size();
                ReplicationStatus s = polls.next();
                List<String> sent = polls.tap.queries().subList(before, polls.tap.queries().size());
                assertThat(sent).as("poll %d", poll).hasSize(1);
                assertThat(sent.get(0)).as("poll %d", poll).contains("SELECT @@global.server_id")
                        .contains("; " + (replica.flavor() == Flavor.MYSQL
                                ? "SHOW REPLICA STATUS" : "SHOW ALL REPLICAS STATUS") + "; " + replicaList);
                assertThat(s.reachable()).as("poll %d: %s", poll, s.error()).isTrue();
                assertThat(s.missingPrivileges()).as("poll %d", poll).isEmpty();
                assertThat(s.serverId()).isEqualTo(first.serverId());
                assertThat(s.gtidMode() == null ? "" : s.gtidMode()).isEqualTo(first.gtidMode() == null ? "" : first.gtidMode());
                assertThat(s.channels()).as("poll %d", poll).hasSize(1);
                assertThat(s.channels().get(0).sourcePort()).isEqualTo(first.channels().get(0).sourcePort());
                assertThat(s.channels().get(0).ioState()).isEqualTo("running");
                assertThat(s.channels().get(0).sqlState()).isEqualTo("running");
            }
        }
    }

    private static void deniedReplicaList(Topology topology, String privilege, String replicaList) throws Exception {
        DbServer source = topology.source();
        DbServer replica = topology.replicas().get(0);
        String account = "'" + ACCOUNT + "'@'%'";
        // created on the source and replicated, as an operator's grants would be
        source.exec("CREATE USER " + account + " IDENTIFIED BY '" + PASSWORD + "'",
                "GRANT SELECT ON *.* TO " + account);
        source.exec(topology.flavor() == Flavor.MYSQL
                ? "GRANT REPLICATION CLIENT, PROCESS ON *.* TO " + account
                : "GRANT REPLICA MONITOR, PROCESS ON *.* TO " + account);
        try {
            ErrorTableGrantTest.awaitAccountOn(replica, ACCOUNT);
            try (Polls polls = new Polls(replica, ACCOUNT, PASSWORD)) {
                for (int poll = 1; poll <= 4; poll++) {
                    int before = polls.tap.queries().size();
                    ReplicationStatus s = polls.next();
                    List<String> sent = polls.tap.queries().subList(before, polls.tap.queries().size());
                    assertThat(s.reachable()).as("poll %d: %s", poll, s.error()).isTrue();
                    assertThat(s.channels()).as("poll %d", poll).hasSize(1);
                    assertThat(s.channels().get(0).sqlState()).as("poll %d", poll).isEqualTo("running");
                    assertThat(s.replicas()).as("poll %d", poll).isEmpty();
                    assertThat(s.missingPrivileges()).as("poll %d", poll).contains("replica_hosts");
                    DeniedCapability denied = s.deniedCapabilities().stream()
                            .filter(d -> d.capability().equals("replica_hosts")).findFirst().orElseThrow();
                    assertThat(denied.statement()).isEqualTo(replicaList);
                    assertThat(denied.errno()).isEqualTo(1227);
                    assertThat(denied.grant()).isEqualTo("GRANT " + privilege + " ON *.* TO " + account);
                    if (poll >= 3) {
                        assertThat(sent).as("poll %d", poll).hasSize(1);
                        assertThat(sent.get(0)).as("poll %d", poll).doesNotContain(replicaList);
                    }
                }
            }
        } finally {
            source.exec("DROP USER IF EXISTS " + account);
        }
    }

    /** A poller of one server through a {@link CommandTap}, at the shipped settings but for plaintext connections. */
    private static final class Polls implements AutoCloseable {
        private final ExecutorService workers = Executors.newCachedThreadPool();
        private final CommandTap tap;
        private final InstancePoller poller;
        private int sentBefore;

        Polls(DbServer server, String user, String password) throws IOException {
            tap = new CommandTap(server.host(), server.port());
            SentinelConfig.Poll settings = PollHarness.plaintext(PollHarness.defaults(SentinelConfig.Poll.class));
            WatchedInstance instance = new WatchedInstance("one-trip", "127.0.0.1", tap.port(), user,
                    new Secret(password), Optional.of("replica"), Map.of(), false);
            poller = new InstancePoller(instance, settings, new ConnectionSettings(settings), null,
                    () -> new PollerIdentity("test", 0), Clock.systemUTC(), workers, (i, ro, ch) -> false);
        }

        /** One poll, with no deadline of its own: this proves what a poll sends, not how fast a loaded machine answers. */
        ReplicationStatus next() {
            return next(Instant.now());
        }

        /** One poll, as if observed at {@code observedAt}; what it sent is {@link #lastSent()}. */
        ReplicationStatus next(Instant observedAt) {
            sentBefore = tap.queries().size();
            return poller.finish(poller.observeNow(observedAt, System.nanoTime()));
        }

        /** The queries the last poll sent. */
        List<String> lastSent() {
            return List.copyOf(tap.queries().subList(sentBefore, tap.queries().size()));
        }

        @Override
        public void close() throws IOException {
            poller.close();
            workers.shutdownNow();
            tap.close();
        }
    }
}
