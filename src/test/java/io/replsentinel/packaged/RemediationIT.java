package io.replsentinel.packaged;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.replsentinel.kafka.KafkaTestClient;
import io.replsentinel.lab.DbServer;
import io.replsentinel.lab.Faults;
import io.replsentinel.lab.Flavor;
import io.replsentinel.lab.Topology;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Remediation end to end through the packaged service, on one real MySQL 9.7 and one real MariaDB
 * 10.11 topology (a source and two replicas each) that every test shares: each fault is injected
 * for real, its command is proposed by the service's own rules, approved through the API with a
 * named token where its type needs it, run by the executor with the cluster's remediation account
 * (created with exactly {@code scripts/lab/grants-remediation-*.sql}), and the alert resolves from
 * what the servers then report. First, the service with the executor off: nothing is ever run, as
 * the servers' own connection counters show.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RemediationIT {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String REMEDIATOR = "remediator";
    /** The remediation password: no log, record or API answer may show it. */
    static final String REMEDIATION_SECRET = "remediation-never-printed";
    static final String ADMIN_TOKEN = "it-admin-token-7f3e";
    static final String APPROVER = "oncall-alice";
    static final String APPROVER_TOKEN = "it-approve-token-91c2";
    static final String SIGNING_KEY = "it-signing-key-0123456789abcdef-0123456789";
    static final String COMMANDS = "mysql.replication.commands";
    static final String MY = "orders-mysql";
    static final String MARIA = "orders-mariadb";

    private static Topology mysql;
    private static Topology mariadb;
    private static Faults myFaults;
    private static Faults mariaFaults;
    private static Path work;
    /** The service with the executor on, shared by every test after the first. */
    private static PackagedService service;
    private static int port;
    private static String bootstrap;
    private static final List<PackagedService> started = new ArrayList<>();

    @BeforeAll
    static void topologies() throws Exception {
        CompletableFuture<Topology> my = CompletableFuture.supplyAsync(() -> Topology.mysql(2));
        // MariaDB counts connections per account only with performance_schema on
        CompletableFuture<Topology> maria = CompletableFuture.supplyAsync(() -> Topology.builder(Flavor.MARIADB)
                .replicas(2).option("performance_schema=ON").build());
        mysql = my.join();
        mariadb = maria.join();
        myFaults = new Faults(mysql);
        mariaFaults = new Faults(mariadb);
        for (Topology t : List.of(mysql, mariadb)) {
            t.source().exec(Topology.remediationGrantStatements(t.flavor(), REMEDIATOR, REMEDIATION_SECRET).toArray(String[]::new));
            t.awaitReplicasCaughtUp(Duration.ofSeconds(30));
        }
        work = Files.createTempDirectory(Path.of("target"), "remediation-");
    }

    @AfterAll
    static void stopAll() {
        started.forEach(PackagedService::close);
        if (mysql != null) {
            mysql.close();
        }
        if (mariadb != null) {
            mariadb.close();
        }
    }

    // ------------------------------------------------------------------------------------ the tests

    @Test
    @Order(1)
    void executorOff_commandsAreProposedAndApproved_butNothingEverRunsAgainstAServer() throws Exception {
        int offPort = PackagedService.freePort();
        PackagedService off = launch("off", offPort, Map.of("SENTINEL_REMEDIATION_EXECUTE", "false"));
        off.awaitReady(READY);
        DbServer myReplica = mysql.replicas().get(1);
        DbServer mariaReplica = mariadb.replicas().get(1);
        long myId = myFaults.serverId(myReplica);
        long mariaId = mariaFaults.serverId(mariaReplica);
        myFaults.setServerId(myReplica, myFaults.serverId(mysql.replicas().get(0)));
        mariaFaults.setServerId(mariaReplica, mariaFaults.serverId(mariadb.replicas().get(0)));
        try {
            for (String cluster : List.of(MY, MARIA)) {
                JsonNode proposed = awaitCommand(offPort, cluster, c -> is(c, "SET_SERVER_ID", "proposed"));
                assertThat(post(offPort, "/api/commands/" + id(proposed) + "/approve", APPROVER_TOKEN).statusCode()).isEqualTo(200);
                awaitCommand(offPort, cluster, c -> id(c).equals(id(proposed)) && state(c).equals("approved")
                        && c.path("approvedBy").asText().equals(APPROVER));
            }
            // approved, with the executor off: they stay approved, and the account never logs in anywhere
            await().during(Duration.ofSeconds(6)).atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofSeconds(1))
                    .untilAsserted(() -> {
                        for (JsonNode c : commands(offPort, null, null)) {
                            assertThat(state(c)).as(c.toString()).isIn("proposed", "approved", "expired");
                        }
                        assertNoRemediationLogin();
                    });
            assertThat(myFaults.serverId(myReplica)).isEqualTo(myFaults.serverId(mysql.replicas().get(0)));
        } finally {
            myFaults.setServerId(myReplica, myId);
            mariaFaults.setServerId(mariaReplica, mariaId);
            off.terminate(Duration.ofSeconds(30));
        }
        myFaults.awaitAllHealthy();
        mariaFaults.awaitAllHealthy();
        assertNoRemediationLogin();
        assertThat(Files.readString(work.resolve("off.log"))).contains("Remediation executor off").doesNotContain(REMEDIATION_SECRET);
    }

    @Test
    @Order(2)
    void ioThreadStoppedByHandOnANetworkError_isStartedAgainAutomatically_andTheAlertResolves() throws Exception {
        ensureService();
        for (Topology t : List.of(mysql, mariadb)) {
            Faults faults = t == mysql ? myFaults : mariaFaults;
            DbServer replica = t.replicas().get(0);
            t.source().kill();
            faults.await(replica, Duration.ofSeconds(40), "IO connecting on 2003",
                    s -> "Connecting".equals(s.get(Faults.ioRunning(t.flavor()))) && "2003".equals(String.valueOf(s.get("Last_IO_Errno"))));
            replica.exec(t.flavor() == Flavor.MYSQL ? "STOP REPLICA IO_THREAD" : "STOP SLAVE IO_THREAD");
            t.source().start();
            String cluster = t == mysql ? MY : MARIA;
            JsonNode executed = awaitCommand(port, cluster, c -> is(c, "START_REPLICA_IO_THREAD", "executed")
                    && c.path("instance").asText().equals(replica.id()));
            assertThat(executed.path("safety").asText()).isEqualTo("auto");
            assertThat(executed.path("approvedBy").isNull() || executed.path("approvedBy").isMissingNode()).isTrue();
            assertThat(executed.path("result").asText()).contains("statement(s) on " + replica.id());
            awaitResolved(executed);
            faults.awaitAllHealthy();
            assertThat(remediationLogins(replica)).isPositive();
        }
    }

    @Test
    @Order(3)
    void twinServerIds_setServerIdWithTheAllocatorsId_approved_executed_andServerIdCollisionResolves() throws Exception {
        ensureService();
        for (Topology t : List.of(mysql, mariadb)) {
            Faults faults = t == mysql ? myFaults : mariaFaults;
            String cluster = t == mysql ? MY : MARIA;
            DbServer a = t.replicas().get(0);
            DbServer b = t.replicas().get(1);
            long shared = faults.serverId(a);
            faults.setServerId(b, shared);
            JsonNode proposed = awaitCommand(port, cluster, c -> is(c, "SET_SERVER_ID", "proposed"));
            long newId = proposed.path("params").path("newServerId").asLong();
            assertThat(newId).isNotIn(shared, faults.serverId(t.source()));
            DbServer target = proposed.path("instance").asText().equals(a.id()) ? a : b;
            assertThat(post(port, "/api/commands/" + id(proposed) + "/approve", APPROVER_TOKEN).statusCode()).isEqualTo(200);
            JsonNode executed = awaitCommand(port, cluster, c -> id(c).equals(id(proposed)) && state(c).equals("executed"));
            assertThat(executed.path("approvedBy").asText()).isEqualTo(APPROVER);
            assertThat(faults.serverId(target)).isEqualTo(newId);
            if (t.flavor() == Flavor.MYSQL) {
                assertThat(target.scalar("SELECT VARIABLE_VALUE FROM performance_schema.persisted_variables"
                        + " WHERE VARIABLE_NAME = 'server_id'")).isEqualTo(Long.toString(newId));
            }
            awaitResolved(executed);
            faults.awaitAllHealthy();
        }
    }

    @Test
    @Order(4)
    void replicaPointedAtAnUnresolvableHost_isRepointedAtThePrimary_andTheMismatchResolves() throws Exception {
        ensureService();
        for (Topology t : List.of(mysql, mariadb)) {
            Faults faults = t == mysql ? myFaults : mariaFaults;
            String cluster = t == mysql ? MY : MARIA;
            DbServer replica = t.replicas().get(1);
            t.changeSource(replica, "no-such-host.invalid", t.source().port());
            JsonNode proposed = awaitCommand(port, cluster, c -> is(c, "REPOINT_REPLICA", "proposed")
                    && c.path("instance").asText().equals(replica.id()));
            assertThat(proposed.path("params").path("toInstance").asText()).isEqualTo(t.source().id());
            assertThat(post(port, "/api/commands/" + id(proposed) + "/approve", APPROVER_TOKEN).statusCode()).isEqualTo(200);
            JsonNode executed = awaitCommand(port, cluster, c -> id(c).equals(id(proposed)) && state(c).equals("executed"));
            faults.awaitHealthy(replica, Duration.ofSeconds(30));
            Map<String, Object> status = replica.replicaStatus();
            assertThat(String.valueOf(status.get(t.flavor() == Flavor.MYSQL ? "Source_Port" : "Master_Port")))
                    .isEqualTo(Integer.toString(t.source().port()));
            awaitResolved(executed);
        }
    }

    @Test
    @Order(5)
    void errantWriteOnAMySqlReplica_emptyTransactionsOnTheSource_andErrantTransactionsResolves() throws Exception {
        ensureService();
        DbServer replica = mysql.replicas().get(0);
        String errant = myFaults.errantWrite(replica, 900);
        JsonNode proposed = awaitCommand(port, MY, c -> is(c, "INJECT_EMPTY_TRANSACTIONS", "proposed"));
        assertThat(proposed.path("params").path("source").asText()).isEqualTo(mysql.source().id());
        assertThat(post(port, "/api/commands/" + id(proposed) + "/approve", APPROVER_TOKEN).statusCode()).isEqualTo(200);
        JsonNode executed = awaitCommand(port, MY, c -> id(c).equals(id(proposed)) && state(c).equals("executed"));
        assertThat(mysql.source().scalar("SELECT GTID_SUBSET('" + errant + "', @@GLOBAL.gtid_executed)")).isEqualTo("1");
        awaitResolved(executed);
        myFaults.awaitAllHealthy();
    }

    @Test
    @Order(6)
    void conditionThatClearsBeforeApproval_theCommandExpires_andNothingRuns() throws Exception {
        ensureService();
        DbServer replica = mysql.replicas().get(1);
        mysql.changeSource(replica, "no-such-host.invalid", mysql.source().port());
        JsonNode proposed = awaitCommand(port, MY, c -> is(c, "REPOINT_REPLICA", "proposed")
                && c.path("instance").asText().equals(replica.id()));
        // repaired by hand before anyone approves; the alert is still firing (keep-firing-for)
        mysql.repointAtSource(replica);
        myFaults.awaitHealthy(replica, Duration.ofSeconds(30));
        long loginsBefore = remediationLogins(replica);
        HttpResponse<String> approve = post(port, "/api/commands/" + id(proposed) + "/approve", APPROVER_TOKEN);
        // the alert resolving first expires the command too (409 then): either way it must never run
        assertThat(approve.statusCode()).isIn(200, 409);
        JsonNode expired = awaitCommand(port, MY, c -> id(c).equals(id(proposed)) && state(c).equals("expired"));
        if (approve.statusCode() == 200) {
            assertThat(expired.path("result").asText()).contains("the condition no longer holds")
                    .contains("replicates from " + mysql.source().id());
        }
        // re-read with the account, then nothing: the source stays the one repaired by hand
        assertThat(remediationLogins(replica) - loginsBefore).isLessThanOrEqualTo(1);
        assertThat(String.valueOf(replica.replicaStatus().get("Source_Host"))).isEqualTo("127.0.0.1");
    }

    @Test
    @Order(7)
    void forgedCommandOnTheTopic_isRefused_andNeverRuns() throws Exception {
        ensureService();
        DbServer replica = mysql.replicas().get(0);
        replica.exec("STOP REPLICA IO_THREAD");
        long logins = remediationLogins(replica);
        ObjectNode forged = JSON.createObjectNode();
        forged.put("schemaVersion", 1).put("id", "forged-0001").put("createdAt", "2026-01-01T00:00:00Z")
                .put("expiresAt", "2099-01-01T00:00:00Z").put("type", "START_REPLICA_IO_THREAD").put("cluster", MY)
                .put("instance", replica.id());
        forged.putObject("params").put("flavor", "mysql").put("channel", "").put("lastIoErrno", 2003);
        forged.putObject("reason").put("alertname", "ReplicationIoThreadStopped").put("fingerprint", "0123456789abcdef");
        forged.put("safety", "auto");
        forged.putArray("sql").addObject().put("server", replica.id()).put("statement", "START REPLICA IO_THREAD FOR CHANNEL ''");
        forged.put("state", "proposed").putNull("result").putNull("approvedBy").put("signature", "0".repeat(64));
        try (KafkaTestClient kafka = KafkaTestClient.fromEnd(bootstrap, COMMANDS)) {
            Map<String, String> headers = new LinkedHashMap<>();
            headers.put("ce_id", "forged-0001");
            headers.put("ce_type", "io.replsentinel.command.v1");
            headers.put("ce_source", "urn:somebody-else");
            headers.put("ce_time", "2026-01-01T00:00:00Z");
            headers.put("ce_specversion", "1.0");
            kafka.send(COMMANDS, replica.id(), forged.toString(), headers);
        }
        JsonNode refused = awaitCommand(port, MY, c -> id(c).equals("forged-0001") && state(c).equals("refused"));
        assertThat(refused.path("result").asText()).isNotBlank();
        await().during(Duration.ofSeconds(4)).atMost(Duration.ofSeconds(8)).untilAsserted(() -> {
            assertThat(replica.replicaStatus().get("Replica_IO_Running")).isEqualTo("No");
            assertThat(remediationLogins(replica)).isEqualTo(logins);
        });
        replica.exec("START REPLICA IO_THREAD");
        myFaults.awaitAllHealthy();
        for (String log : List.of("on.log", "off.log")) {
            assertThat(Files.readString(work.resolve(log))).doesNotContain(REMEDIATION_SECRET).doesNotContain(APPROVER_TOKEN);
        }
    }

    @Test
    @Order(8)
    void everyWritingEndpointOfThePackagedService_answers401WithoutAToken() throws Exception {
        ensureService();
        JsonNode paths = JSON.readTree(PackagedService.get(port, "/q/openapi?format=json")).path("paths");
        List<String> checked = new ArrayList<>();
        for (Map.Entry<String, JsonNode> path : paths.properties()) {
            for (String method : List.of("post", "put", "patch", "delete")) {
                if (!path.getValue().has(method)) {
                    continue;
                }
                // path parameters filled with names that exist nowhere: authentication comes first
                String target = path.getKey().replaceAll("\\{[^}]+}", "nowhere-0");
                HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + target))
                        .method(method.toUpperCase(java.util.Locale.ROOT), HttpRequest.BodyPublishers.ofString("{}"))
                        .header("Content-Type", "application/json").timeout(Duration.ofSeconds(10)).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(answer.statusCode()).as("%s %s without a token", method, target).isEqualTo(401);
                checked.add(method + " " + path.getKey());
            }
        }
        assertThat(checked).contains("post /api/commands/{id}/approve", "post /api/commands/{id}/reject",
                "post /api/clusters", "delete /api/clusters/{cluster}");
    }

    // ------------------------------------------------------------------------------------ helpers

    private static void ensureService() throws Exception {
        if (service != null && service.isAlive()) {
            return;
        }
        port = PackagedService.freePort();
        int kafkaPort = PackagedService.freePort();
        bootstrap = "127.0.0.1:" + kafkaPort;
        service = launch("on", port, Map.of("SENTINEL_REMEDIATION_EXECUTE", "true",
                "SENTINEL_EMBEDDED_KAFKA_PORT", Integer.toString(kafkaPort)));
        service.awaitReady(READY);
        // the address the broker itself reports: it is what the service writes to
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("started the embedded Kafka broker at ([0-9.]+:[0-9]+)")
                .matcher(Files.readString(work.resolve("on.log")));
        if (m.find()) {
            bootstrap = m.group(1);
        }
    }

    /**
     * Ready within three minutes: with two topologies of real servers beside it on a shared two-core
     * machine, a start has been seen to take over 90 s; on a quiet machine it takes a few seconds.
     */
    private static final Duration READY = Duration.ofMinutes(3);

    private static PackagedService launch(String name, int httpPort, Map<String, String> settings) throws IOException {
        Path config = work.resolve(name + ".yaml");
        Files.writeString(config, inventory());
        PackagedService p = PackagedService.with(config, work.resolve(name + ".log")).jvm("-Xmx384m").port(httpPort)
                .embeddedKafka(work.resolve(name + "-kafka"))
                .env("REMEDIATION_PASSWORD", REMEDIATION_SECRET)
                .env("SENTINEL_API_TOKEN", ADMIN_TOKEN)
                .env("SENTINEL_REMEDIATION_SIGNING_KEY", SIGNING_KEY)
                .env("SENTINEL_REMEDIATION_TYPES", "START_REPLICA_IO_THREAD,SET_SERVER_ID,REPOINT_REPLICA,INJECT_EMPTY_TRANSACTIONS")
                // resolutions within seconds, yet long enough that an approval right after a repair by hand lands first
                .env("SENTINEL_RULES_KEEP_FIRING_FOR", "6s")
                .env("SENTINEL_BINLOG_ENABLED", "false")
                .env(settings)
                .start();
        started.add(p);
        return p;
    }

    private static String inventory() {
        StringBuilder y = new StringBuilder("sentinel:\n  api:\n    tokens:\n      " + APPROVER + ":\n        token: "
                + APPROVER_TOKEN + "\n        roles: approve\n  clusters:\n");
        for (Topology t : List.of(mysql, mariadb)) {
            y.append("    ").append(t == mysql ? MY : MARIA).append(":\n")
                    .append("      user: ").append(Topology.MONITOR_USER).append('\n')
                    .append("      password: ").append(Topology.MONITOR_PASSWORD).append('\n')
                    .append("      remediation-user: ").append(REMEDIATOR).append('\n')
                    .append("      remediation-password: ${REMEDIATION_PASSWORD}\n")
                    .append("      instances:\n");
            for (DbServer s : t.all()) {
                y.append("        - host: ").append(s.host()).append('\n')
                        .append("          port: ").append(s.port()).append('\n')
                        .append("          role: ").append(s == t.source() ? "primary" : "replica").append('\n');
            }
        }
        return y.toString();
    }

    /** Logins of the remediation account on one server, from its own counters (performance_schema). */
    static long remediationLogins(DbServer server) {
        String n = server.scalar("SELECT IFNULL(SUM(TOTAL_CONNECTIONS), 0) FROM performance_schema.accounts WHERE USER = '"
                + REMEDIATOR + "'");
        return n == null ? 0 : Long.parseLong(n);
    }

    private static void assertNoRemediationLogin() {
        for (Topology t : List.of(mysql, mariadb)) {
            for (DbServer s : t.all()) {
                assertThat(remediationLogins(s)).as("remediation logins on %s", s).isZero();
            }
        }
    }

    private static boolean is(JsonNode c, String type, String state) {
        return c.path("type").asText().equals(type) && state(c).equals(state);
    }

    private static String id(JsonNode c) {
        return c.path("id").asText();
    }

    private static String state(JsonNode c) {
        return c.path("state").asText();
    }

    static List<JsonNode> commands(int port, String cluster, String state) throws Exception {
        String q = "/api/commands" + (cluster == null ? "" : "?cluster=" + cluster) + (state == null ? "" : (cluster == null ? "?" : "&") + "state=" + state);
        List<JsonNode> all = new ArrayList<>();
        JSON.readTree(PackagedService.get(port, q)).forEach(all::add);
        return all;
    }

    static JsonNode awaitCommand(int port, String cluster, Predicate<JsonNode> match) {
        JsonNode[] found = new JsonNode[1];
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300)).ignoreExceptions().until(() -> {
            for (JsonNode c : commands(port, cluster, null)) {
                if (match.test(c)) {
                    found[0] = c;
                    return true;
                }
            }
            return false;
        });
        return found[0];
    }

    /** The alert the command was proposed for resolves, as the API reports it. */
    private static void awaitResolved(JsonNode command) {
        String fingerprint = command.path("reason").path("fingerprint").asText();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).ignoreExceptions().untilAsserted(() -> {
            boolean resolved = false;
            for (JsonNode a : JSON.readTree(PackagedService.get(port, "/api/alerts"))) {
                if (a.path("fingerprint").asText().equals(fingerprint)) {
                    resolved = a.path("status").asText().equals("resolved");
                }
            }
            assertThat(resolved).as("alert %s resolved", fingerprint).isTrue();
        });
    }

    static HttpResponse<String> post(int port, String path, String token) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Authorization", "Bearer " + token).POST(HttpRequest.BodyPublishers.noBody())
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
