package io.replsentinel.poll;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.replsentinel.event.PollerIdentity;
import io.replsentinel.event.ReplicationStatus;
import io.replsentinel.inventory.Secret;
import io.replsentinel.inventory.SentinelConfig;
import io.replsentinel.inventory.WatchedInstance;
import io.replsentinel.kafka.KafkaBrokerResource;
import io.replsentinel.lab.DbServer;
import io.replsentinel.pipeline.Lab;
import io.replsentinel.pipeline.LabResource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The monitoring connection's secure defaults on the lab's real MySQL 9.7 source: TLS whenever the
 * server offers it (MySQL generates its certificates at initialisation), the RSA key never fetched,
 * certificates checked against a CA file when asked, and an error naming the setting to change
 * when the server needs what a setting switched off. Each case logs in as a fresh
 * {@code caching_sha2_password} account, since the server's cache of a past login would let a
 * plain connection through without either TLS or the RSA key.
 */
@QuarkusTest
@WithTestResource(value = KafkaBrokerResource.class, scope = TestResourceScope.GLOBAL)
@WithTestResource(value = LabResource.class, scope = TestResourceScope.GLOBAL)
class MonitoringConnectionSecurityTest {

    private static final AtomicInteger ACCOUNTS = new AtomicInteger();
    private final ExecutorService workers = Executors.newCachedThreadPool();
    private String account;

    private DbServer source() {
        return Lab.mysql().source();
    }

    /** A fresh account with only what a poll needs, never logged in before. */
    private String freshAccount() {
        account = "tls_probe_" + ACCOUNTS.incrementAndGet();
        source().exec("SET SESSION sql_log_bin = 0",
                "CREATE USER '" + account + "'@'%' IDENTIFIED WITH caching_sha2_password BY 'probe-pw'",
                "GRANT REPLICATION CLIENT, REPLICATION SLAVE, PROCESS ON *.* TO '" + account + "'@'%'",
                "GRANT SELECT ON performance_schema.* TO '" + account + "'@'%'");
        return account;
    }

    @AfterEach
    void dropAccount() {
        workers.shutdownNow();
        if (account != null) {
            source().exec("SET SESSION sql_log_bin = 0", "DROP USER IF EXISTS '" + account + "'@'%'");
        }
    }

    private ReplicationStatus pollOnce(SentinelConfig.TlsMode mode, Path caFile, boolean keyRetrieval) {
        Settings settings = new Settings(mode, caFile, keyRetrieval);
        WatchedInstance instance = new WatchedInstance("security", source().host(), source().port(), freshAccount(),
                new Secret("probe-pw"), Optional.of("primary"), Map.of(), false);
        try (InstancePoller poller = new InstancePoller(instance, settings, new ConnectionSettings(settings),
                null, () -> new PollerIdentity("test", 0), Clock.systemUTC(), workers, (i, ro, ch) -> false)) {
            return poller.poll();
        }
    }

    @Test
    void defaults_logInAFreshCachingSha2AccountOverTls_withoutFetchingTheRsaKey() {
        ReplicationStatus s = pollOnce(SentinelConfig.TlsMode.PREFERRED, null, false);
        assertThat(s.reachable()).as("%s", s.error()).isTrue();
        assertThat(s.flavor()).isEqualTo("mysql");
        assertThat(s.missingPrivileges()).isEmpty();
    }

    @Test
    void tlsDisabledWithoutKeyRetrieval_failsAsAuthNamingTheSettingToChange() {
        ReplicationStatus s = pollOnce(SentinelConfig.TlsMode.DISABLED, null, false);
        assertThat(s.reachable()).isFalse();
        assertThat(s.error().errorClass()).isEqualTo("auth");
        assertThat(s.error().message()).contains("Public Key Retrieval is not allowed")
                .contains("sentinel.poll.allow-public-key-retrieval").contains("sentinel.poll.tls.mode");
    }

    @Test
    void verifyCa_withTheServersCaFile_connects() {
        ReplicationStatus s = pollOnce(SentinelConfig.TlsMode.VERIFY_CA, source().dir().resolve("data").resolve("ca.pem"), false);
        assertThat(s.reachable()).as("%s", s.error()).isTrue();
    }

    @Test
    void verifyCa_withoutTheServersCa_failsNamingTheCaFileSetting() {
        ReplicationStatus s = pollOnce(SentinelConfig.TlsMode.VERIFY_CA, null, false);
        assertThat(s.reachable()).isFalse();
        assertThat(s.error().message()).contains("sentinel.poll.tls.ca-file");
    }

    /** The poll settings a test varies; the rest are the shipped defaults. */
    private record Settings(SentinelConfig.TlsMode mode, Path ca, boolean keyRetrieval)
            implements SentinelConfig.Poll, SentinelConfig.Tls {
        @Override
        public Duration interval() {
            return Duration.ofSeconds(1);
        }

        @Override
        public Duration connectTimeout() {
            return Duration.ofSeconds(2);
        }

        @Override
        public Duration timeout() {
            // generous: this proves what the login needs, not how fast it is on a loaded machine
            return Duration.ofSeconds(10);
        }

        @Override
        public Duration firstTimeoutGrace() {
            return Duration.ofSeconds(10);
        }

        @Override
        public Duration privilegeRecheck() {
            return Duration.ofMinutes(1);
        }

        @Override
        public Duration dumpThreadInterval() {
            return Duration.ofSeconds(10);
        }

        @Override
        public boolean allowPublicKeyRetrieval() {
            return keyRetrieval;
        }

        @Override
        public SentinelConfig.Tls tls() {
            return this;
        }

        @Override
        public Optional<Path> caFile() {
            return Optional.ofNullable(ca);
        }

        @Override
        public String jdbcOptions() {
            return "zeroDateTimeBehavior=CONVERT_TO_NULL";
        }

        @Override
        public int workers() {
            return 64;
        }

        @Override
        public int suspectWorkers() {
            return 256;
        }

        @Override
        public int maxConcurrentLogins() {
            return 8;
        }

        @Override
        public boolean perInstanceHistograms() {
            return false;
        }
    }
}
