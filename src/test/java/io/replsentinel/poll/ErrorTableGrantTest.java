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
import io.replsentinel.pipeline.Lab;
import io.replsentinel.pipeline.LabResource;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * MySQL's performance_schema error tables are read only while a channel reports an error, and on
 * the first poll of each connection: so an account without SELECT on performance_schema is told
 * so from its first poll of a healthy replica, and on every poll after it, as when the tables
 * were read on every poll. Polls the lab's real MySQL 9.7 replica as an account with every grant
 * of the README but that one.
 */
@QuarkusTest
@WithTestResource(value = KafkaBrokerResource.class, scope = TestResourceScope.GLOBAL)
@WithTestResource(value = LabResource.class, scope = TestResourceScope.GLOBAL)
class ErrorTableGrantTest {

    private static final String ACCOUNT = "no_ps_probe";
    private static final String PASSWORD = "probe-pw";

    @Test
    void healthyReplica_withoutPerformanceSchemaGrant_reportsBothErrorTablesDeniedOnEveryPoll() throws Exception {
        DbServer source = Lab.mysql().source();
        DbServer replica = Lab.mysql().replicas().get(0);
        // created on the source and replicated, as an operator's grants would be
        source.exec("CREATE USER '" + ACCOUNT + "'@'%' IDENTIFIED WITH caching_sha2_password BY '" + PASSWORD + "'",
                "GRANT REPLICATION CLIENT, REPLICATION SLAVE, PROCESS ON *.* TO '" + ACCOUNT + "'@'%'");
        ExecutorService workers = Executors.newCachedThreadPool();
        try {
            awaitAccountOn(replica, ACCOUNT);
            SentinelConfig.Poll settings = PollHarness.defaults(SentinelConfig.Poll.class);
            WatchedInstance instance = new WatchedInstance("no-ps", replica.host(), replica.port(), ACCOUNT,
                    new Secret(PASSWORD), Optional.of("replica"), Map.of(), false);
            try (InstancePoller poller = new InstancePoller(instance, settings, new ConnectionSettings(settings), null,
                    () -> new PollerIdentity("test", 0), Clock.systemUTC(), workers, (i, ro, ch) -> false)) {
                for (int poll = 1; poll <= 3; poll++) {
                    // no deadline of its own: this proves what a poll reports, not how fast a loaded machine logs in
                    ReplicationStatus s = poller.finish(poller.observeNow(Instant.now(), System.nanoTime()));
                    assertThat(s.reachable()).as("poll %d: %s", poll, s.error()).isTrue();
                    assertThat(s.channels()).as("poll %d", poll).isNotEmpty();
                    assertThat(s.channels().get(0).lastSqlErrno()).as("poll %d: a healthy replica", poll).isZero();
                    assertThat(s.channels().get(0).lastIoErrno()).as("poll %d: a healthy replica", poll).isZero();
                    assertThat(s.missingPrivileges()).as("poll %d", poll)
                            .containsExactly("applier_worker_errors", "connection_error_times");
                    assertThat(s.deniedCapabilities()).extracting(DeniedCapability::grant).as("poll %d", poll)
                            .containsOnly("GRANT SELECT ON performance_schema.* TO '" + ACCOUNT + "'@'%'");
                }
            }
        } finally {
            workers.shutdownNow();
            source.exec("DROP USER IF EXISTS '" + ACCOUNT + "'@'%'");
        }
    }

    /** Waits until {@code account}, created on the source, has replicated to {@code replica}. */
    static void awaitAccountOn(DbServer replica, String account) throws InterruptedException {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        while (!"1".equals(replica.scalar("SELECT COUNT(*) FROM mysql.user WHERE user = '" + account + "'"))) {
            assertThat(Instant.now()).as("the account replicated to %s", replica.id()).isBefore(deadline);
            Thread.sleep(50);
        }
    }
}
