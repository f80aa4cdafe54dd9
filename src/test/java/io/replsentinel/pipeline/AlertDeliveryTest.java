package io.replsentinel.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.replsentinel.kafka.KafkaBrokerResource;
import io.replsentinel.kafka.KafkaTestClient;
import io.replsentinel.lab.AlertmanagerProcess;
import io.replsentinel.lab.DbServer;
import io.replsentinel.lab.Faults;
import io.replsentinel.lab.Topology;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Alert delivery beyond Kafka, through the whole pipeline against real servers: the Slack message
 * for each state change of a real fault, an Alertmanager outage of 20 s (four times the test profile's
 * retry cap, {@code sentinel.alertmanager.resend-interval} 5 s) that costs neither
 * the alert still firing nor the resolution that happened meanwhile, and a Slack answering 500
 * that delays only Slack.
 */
@QuarkusTest
@WithTestResource(value = KafkaBrokerResource.class, scope = TestResourceScope.GLOBAL)
@WithTestResource(value = LabResource.class, scope = TestResourceScope.GLOBAL)
class AlertDeliveryTest {

    private static final String SQL_THREAD_STOPPED = "ReplicationSqlThreadStopped";
    /** Clear of the keys the fault-detection scenarios use. */
    private static final AtomicInteger KEYS = new AtomicInteger(20_000);
    /** Past the retry cap several times over: the backoff reaches the cap and retries at it. */
    private static final Duration OUTAGE = Duration.ofSeconds(20);

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    private static Topology mariadb() {
        return Lab.mariadb();
    }

    private static Faults faults() {
        return new Faults(mariadb());
    }

    @Test
    void duplicateKeyOnReplica_postsOneFiringAndOneResolvedSlackMessage() {
        DbServer replica = mariadb().replicas().get(0);
        int key = KEYS.incrementAndGet();
        int mark = Lab.slack().count();
        try (AlertWatch alerts = new AlertWatch(bootstrapServers)) {
            String fingerprint;
            faults().duplicateKeyOnReplica(replica, key);
            try {
                fingerprint = alerts.firing(SQL_THREAD_STOPPED, replica.id(), Map.of()).key();
                JsonNode firing = awaitSlack(mark, fingerprint, "[FIRING]");
                assertThat(firing.path("text").asText()).isEqualTo(":red_circle: [FIRING] ReplicationSqlThreadStopped (critical) "
                        + Lab.MARIADB_CLUSTER + "/" + replica.id() + ": Replication applier stopped on " + replica.id()
                        + " (duplicate_key)");
                assertThat(firing.path("attachments").get(0).path("color").asText()).isEqualTo("#E01E5A");
                assertThat(fields(firing)).contains("*Severity*\ncritical", "*Cluster*\n" + Lab.MARIADB_CLUSTER,
                        "*Instance*\n" + replica.id(), "*Cause*\nduplicate_key", "*zone*\nzone-1");
                assertThat(texts(firing)).anySatisfy(t -> assertThat(t).startsWith("*Evidence*\n```Last_SQL_Errno 1062: ")
                        .contains("Duplicate entry '" + key + "'")
                        .contains("The replica's data has diverged from its source's.")
                        .contains("Server: mariadb 10.11."));
                assertThat(texts(firing)).anySatisfy(t -> assertThat(t).contains("#replicationsqlthreadstopped|Runbook>"));
                assertThat(firing.toString()).doesNotContain(Topology.MONITOR_PASSWORD).doesNotContain("lab-webhook-secret");
            } finally {
                faults().repairDuplicateKey(replica, key);
            }

            alerts.resolved(fingerprint);
            JsonNode resolved = awaitSlack(mark, fingerprint, "[RESOLVED]");
            assertThat(resolved.path("text").asText()).startsWith(":white_check_mark: [RESOLVED] ReplicationSqlThreadStopped (critical) "
                    + Lab.MARIADB_CLUSTER + "/" + replica.id());
            assertThat(resolved.path("attachments").get(0).path("color").asText()).isEqualTo("#2EB67D");
            assertThat(fields(resolved)).anySatisfy(f -> assertThat(f).startsWith("*Resolved*\n<!date^"));
            // one message per state change: no repeat of either arrives later
            await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(6))
                    .until(() -> slackAbout(mark, fingerprint).size() == 2);
        }
    }

    @Test
    void slackAnswering500_delaysOnlySlack_whileAlertmanagerAndTheTopicGetEveryChange_thenSlackCatchesUpInOrder() {
        AlertmanagerProcess alertmanager = Lab.alertmanager();
        DbServer replica = mariadb().replicas().get(1);
        int key = KEYS.incrementAndGet();
        int mark = Lab.slack().count();
        int refusedBefore = Lab.slack().refused();
        String fingerprint;
        Lab.slack().failWith(500);
        try (AlertWatch alerts = new AlertWatch(bootstrapServers)) {
            JsonNode firing;
            faults().duplicateKeyOnReplica(replica, key);
            try {
                firing = KafkaTestClient.json(alerts.firing(SQL_THREAD_STOPPED, replica.id(), Map.of()));
                fingerprint = firing.path("fingerprint").asText();
                String inAm = AlertmanagerProcess.fingerprint(FaultDetectionScenarios.labels(firing));
                await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).untilAsserted(() ->
                        assertThat(alertmanager.alerts()).anySatisfy(a -> assertThat(a.get("fingerprint")).isEqualTo(inAm)));
            } finally {
                faults().repairDuplicateKey(replica, key);
            }
            alerts.resolved(fingerprint);
            String resolution = SQL_THREAD_STOPPED + "[" + AlertmanagerProcess.fingerprint(FaultDetectionScenarios.labels(firing))
                    .substring(0, 7) + "][resolved]";
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
                    .until(() -> alertmanager.received().contains(resolution));
            // the API reads the alerts and alert-state topics (the fleet view): it follows within moments
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).untilAsserted(() ->
                    assertThat(given().get("/api/alerts?status=resolved").then().statusCode(200).extract().asString())
                            .contains(fingerprint));
            assertThat(Lab.slack().refused()).as("Slack was tried meanwhile").isGreaterThan(refusedBefore);
            assertThat(slackAbout(mark, fingerprint)).as("nothing reached Slack while it failed").isEmpty();
        } finally {
            Lab.slack().failWith(0);
        }
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                .until(() -> slackAbout(mark, fingerprint).size() >= 2);
        assertThat(slackAbout(mark, fingerprint)).extracting(m -> m.path("text").asText().contains("[FIRING]") ? "firing"
                : m.path("text").asText().contains("[RESOLVED]") ? "resolved" : m.path("text").asText())
                .containsExactly("firing", "resolved");
    }

    @Test
    void alertmanagerDownPastItsRetryCap_getsTheFiringAlertAndTheResolutionOnceBack() {
        AlertmanagerProcess alertmanager = Lab.alertmanager();
        DbServer resolvesMeanwhile = mariadb().replicas().get(0);
        // on the other topology: repairing the first fault waits for every replica of its own to catch up
        DbServer staysBroken = Lab.mysql().replicas().get(0);
        Faults mysqlFaults = new Faults(Lab.mysql());
        int k1 = KEYS.incrementAndGet();
        int k2 = KEYS.incrementAndGet();
        double failedBefore = notifications("alertmanager", "failed");
        boolean firstBroken = false;
        boolean secondBroken = false;
        String stillFiring = null;
        String stillFiringInAm = null;
        try (AlertWatch alerts = new AlertWatch(bootstrapServers)) {
            try {
                long down = System.nanoTime();
                alertmanager.stop();
                faults().duplicateKeyOnReplica(resolvesMeanwhile, k1);
                firstBroken = true;
                mysqlFaults.duplicateKeyOnReplica(staysBroken, k2);
                secondBroken = true;
                JsonNode resolvedAlert = KafkaTestClient.json(alerts.firing(SQL_THREAD_STOPPED, resolvesMeanwhile.id(), Map.of()));
                JsonNode firingAlert = KafkaTestClient.json(alerts.firing(SQL_THREAD_STOPPED, staysBroken.id(), Map.of()));
                stillFiring = firingAlert.path("fingerprint").asText();
                faults().repairDuplicateKey(resolvesMeanwhile, k1);
                firstBroken = false;
                alerts.resolved(resolvedAlert.path("fingerprint").asText());
                assertThat(notifications("alertmanager", "failed")).isGreaterThan(failedBefore);

                pause(OUTAGE.minus(Duration.ofNanos(System.nanoTime() - down)));
                // retried all along, after 1, 2, 4 s and then at the 5 s cap
                assertThat(notifications("alertmanager", "failed")).as("failed deliveries while down")
                        .isGreaterThanOrEqualTo(failedBefore + 4);
                assertThat(alertmanager.running()).isFalse();
                long back = System.nanoTime();
                alertmanager.restart();

                String firingInAm = AlertmanagerProcess.fingerprint(FaultDetectionScenarios.labels(firingAlert));
                stillFiringInAm = firingInAm;
                await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).untilAsserted(() ->
                        assertThat(alertmanager.alerts()).anySatisfy(a -> {
                            assertThat(a.get("fingerprint")).isEqualTo(firingInAm);
                            assertThat(a.get("status")).asString().contains("state=active");
                        }));
                long firingBack = System.nanoTime() - back;
                String resolvedInAm = AlertmanagerProcess.fingerprint(FaultDetectionScenarios.labels(resolvedAlert));
                String resolution = SQL_THREAD_STOPPED + "[" + resolvedInAm.substring(0, 7) + "][resolved]";
                await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
                        .until(() -> alertmanager.received().contains(resolution));
                long resolutionBack = System.nanoTime() - back;
                System.out.printf("[delivery] Alertmanager back after %d s: firing alert active in it after %d ms, "
                                + "resolution received after %d ms%n", OUTAGE.toSeconds(), firingBack / 1_000_000,
                        resolutionBack / 1_000_000);

                // Alertmanager's API never lists resolved alerts: it holds the resolution, and never heard it fire
                assertThat(alertmanager.alerts()).noneSatisfy(a -> assertThat(a.get("fingerprint")).isEqualTo(resolvedInAm));
                assertThat(alertmanager.received()).doesNotContain(SQL_THREAD_STOPPED + "[" + resolvedInAm.substring(0, 7) + "][active]");
            } finally {
                List<Runnable> repairs = new ArrayList<>();
                repairs.add(() -> {
                    if (!alertmanager.running()) {
                        alertmanager.restart();
                    }
                });
                if (firstBroken) {
                    repairs.add(() -> faults().repairDuplicateKey(resolvesMeanwhile, k1));
                }
                if (secondBroken) {
                    repairs.add(() -> mysqlFaults.repairDuplicateKey(staysBroken, k2));
                }
                runAll(repairs);
            }

            alerts.resolved(stillFiring);
            String resolvedAtLast = stillFiringInAm;
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).untilAsserted(() ->
                    assertThat(alertmanager.alerts()).noneSatisfy(a -> assertThat(a.get("fingerprint")).isEqualTo(resolvedAtLast)));
            assertThat(notifications("alertmanager", "dropped")).isZero();
            assertThat(notifications("slack", "dropped")).isZero();
        }
    }

    /** Runs every repair even when one fails: later tests share the servers. */
    private static void runAll(List<Runnable> repairs) {
        RuntimeException failure = null;
        for (Runnable repair : repairs) {
            try {
                repair.run();
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    private static void pause(Duration d) {
        if (d.isNegative()) {
            return;
        }
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode awaitSlack(int mark, String fingerprint, String status) {
        List<JsonNode> found = new ArrayList<>();
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> {
            found.clear();
            slackAbout(mark, fingerprint).stream().filter(m -> m.path("text").asText().contains(status)).forEach(found::add);
            return !found.isEmpty();
        });
        assertThat(found).as("%s Slack messages about %s", status, fingerprint).hasSize(1);
        return found.get(0);
    }

    private static List<JsonNode> slackAbout(int mark, String fingerprint) {
        return Lab.slack().since(mark).stream().filter(m -> m.toString().contains("fingerprint `" + fingerprint + "`")).toList();
    }

    private static List<String> fields(JsonNode message) {
        List<String> fields = new ArrayList<>();
        message.path("attachments").get(0).path("blocks")
                .forEach(b -> b.path("fields").forEach(f -> fields.add(f.path("text").asText())));
        return fields;
    }

    private static List<String> texts(JsonNode message) {
        List<String> texts = new ArrayList<>();
        message.path("attachments").get(0).path("blocks").forEach(b -> {
            texts.add(b.path("text").path("text").asText());
            b.path("elements").forEach(e -> texts.add(e.path("text").asText()));
        });
        return texts;
    }

    /** One {@code sentinel_notifications_total} series, read from {@code /q/metrics} as Prometheus would. */
    private static double notifications(String receiver, String outcome) {
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        Matcher m = Pattern.compile("(?m)^sentinel_notifications_total\\{outcome=\"" + outcome + "\",receiver=\""
                + receiver + "\",?} (\\S+)$").matcher(metrics);
        assertThat(m.find()).as("sentinel_notifications_total{receiver=%s,outcome=%s} in /q/metrics", receiver, outcome).isTrue();
        return Double.parseDouble(m.group(1));
    }
}
