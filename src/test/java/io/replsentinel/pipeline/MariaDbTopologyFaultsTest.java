package io.replsentinel.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.replsentinel.kafka.KafkaBrokerResource;
import io.replsentinel.lab.DbServer;
import io.replsentinel.lab.Faults;
import io.replsentinel.lab.Topology;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Topology faults on a real MariaDB 10.11 topology, plus errant writes on a replica with
 * gtid_strict_mode ON (the applier stops at the source's next event) and OFF (nothing stops: only
 * the replica's gtid_binlog_state shows a foreign server_id).
 */
@QuarkusTest
@WithTestResource(value = KafkaBrokerResource.class, scope = TestResourceScope.GLOBAL)
@WithTestResource(value = LabResource.class, scope = TestResourceScope.GLOBAL)
class MariaDbTopologyFaultsTest extends TopologyFaultScenarios {

    @Override
    Topology topology() {
        return Lab.mariadb();
    }

    @Override
    String cluster() {
        return Lab.MARIADB_CLUSTER;
    }

    /** The replica's own entry in its gtid_binlog_state, e.g. {@code 0-3-57}: what the detector must call errant. */
    private static String ownEntry(String binlogState, long serverId) {
        return Arrays.stream(binlogState.split(",")).map(String::trim)
                .filter(e -> e.split("-")[1].equals(Long.toString(serverId))).findFirst()
                .orElseThrow(() -> new AssertionError("no entry of server " + serverId + " in " + binlogState));
    }

    @Test
    void errantWriteWithStrictModeOn_firesErrantTransactionsAndSqlThreadStopped_thenBothResolveAfterRepair() {
        DbServer r = replica(1);
        Faults faults = faults();
        long serverId = faults.serverId(r);
        int key = KEYS.incrementAndGet();
        int next = KEYS.incrementAndGet();
        try (AlertWatch alerts = new AlertWatch(bootstrapServers)) {
            Instant t0 = Instant.now();
            JsonNode errant;
            JsonNode sql;
            try {
                String expected = ownEntry(faults.errantWrite(r, key), serverId);
                topology().insert(next);
                faults.await(r, Duration.ofSeconds(30), "SQL=No with 1950",
                        s -> "No".equals(s.get("Slave_SQL_Running")) && "1950".equals(String.valueOf(s.get("Last_SQL_Errno"))));
                errant = fire(alerts, "ErrantTransactions", r, Map.of(), t0);
                assertLabels(errant, "ErrantTransactions", r, "warning", Map.of());
                assertThat(errant.path("evidence").path("errantGtids").asText()).isEqualTo(expected);
                assertThat(errant.path("evidence").path("gtidStrictMode").asText()).isIn("true", "1", "ON");
                sql = fire(alerts, "ReplicationSqlThreadStopped", r, Map.of(), t0);
                assertLabels(sql, "ReplicationSqlThreadStopped", r, "critical", Map.of("cause", "other", "channel", ""));
                assertThat(sql.path("evidence").path("lastSqlErrno").asInt()).isEqualTo(1950);
            } finally {
                faults.repairErrantMariaDb(r, key);
            }
            assertThat(r.scalar("SELECT COUNT(*) FROM lab.t WHERE id = " + next)).isEqualTo("1");
            resolves(alerts, errant);
            resolves(alerts, sql);
        }
    }

    @Test
    void errantWriteWithStrictModeOff_isSilentOnTheServer_butFiresErrantTransactions_thenResolvesAfterRepair() {
        DbServer r = replica(1);
        Faults faults = faults();
        long serverId = faults.serverId(r);
        int key = KEYS.incrementAndGet();
        int next = KEYS.incrementAndGet();
        try (AlertWatch alerts = new AlertWatch(bootstrapServers)) {
            Instant t0 = Instant.now();
            JsonNode errant;
            JsonNode drift;
            try {
                faults.setGlobal(r, "gtid_strict_mode", "OFF");
                String expected = ownEntry(faults.errantWrite(r, key), serverId);
                topology().insert(next);
                topology().awaitReplicasCaughtUp(Duration.ofSeconds(30));
                faults.awaitHealthy(r, Duration.ofSeconds(1));
                errant = fire(alerts, "ErrantTransactions", r, Map.of(), t0);
                assertLabels(errant, "ErrantTransactions", r, "warning", Map.of());
                assertThat(errant.path("evidence").path("errantGtids").asText()).isEqualTo(expected);
                assertThat(errant.path("evidence").path("gtidStrictMode").asText()).isIn("false", "0", "OFF");
                // strict mode itself is a replication setting: switching it off on one replica is drift
                drift = fire(alerts, "ReplicationConfigDrift", r, Map.of("setting", "gtid_strict_mode"), t0);
                assertLabels(drift, "ReplicationConfigDrift", r, "warning", Map.of("setting", "gtid_strict_mode"));
                // the servers stay silent: both threads run without error
                faults.awaitHealthy(r, Duration.ofSeconds(1));
            } finally {
                faults.repairErrantMariaDb(r, key);
            }
            assertThat(r.scalar("SELECT @@GLOBAL.gtid_strict_mode")).isEqualTo("1");
            resolves(alerts, errant);
            resolves(alerts, drift);
        }
    }
}
