package io.replsentinel.alerting;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.replsentinel.event.Alert;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What reaches Alertmanager across its outages and restarts, on a fake timeline: the outbox is
 * asked what is due at each instant and told how each post went.
 */
class AlertmanagerOutboxTest {

    private static final Instant T0 = Instant.parse("2026-11-26T00:00:00Z");
    private static final Duration RESEND = Duration.ofSeconds(5);

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final AlertmanagerOutbox outbox = new AlertmanagerOutbox(RESEND, 3,
            new Backoff(Duration.ofSeconds(1), AlertmanagerNotifier.longestRetry(RESEND)),
            new DeliveryOutcomes(registry, "alertmanager"));

    private static Instant at(double seconds) {
        return T0.plusMillis((long) (seconds * 1000));
    }

    private static Alert firing(String fp) {
        return Alerts.alert(fp, Alert.FIRING);
    }

    private static Alert resolved(String fp) {
        return Alerts.alert(fp, Alert.RESOLVED);
    }

    @Test
    void newFiringAlert_isPostedAtOnce_thenReSentEveryResendInterval() {
        outbox.record(firing("a"));

        AlertmanagerOutbox.Batch first = outbox.due(at(0)).orElseThrow();
        assertThat(first.alerts()).containsExactly(firing("a"));
        outbox.delivered(first, at(0));
        assertThat(outbox.due(at(4.9))).isEmpty();
        assertThat(outbox.wakeAt()).isEqualTo(at(5));
        assertThat(outbox.due(at(5))).map(AlertmanagerOutbox.Batch::alerts).contains(List.of(firing("a")));
    }

    @Test
    void resolutionWhileAlertmanagerIsDown_isKeptAndPostedOnceItIsBack() {
        outbox.record(firing("a"));
        outbox.delivered(outbox.due(at(0)).orElseThrow(), at(0));
        outbox.record(resolved("a"));

        double t = 1;
        for (int i = 0; i < 20; i++) {
            AlertmanagerOutbox.Batch b = outbox.due(at(t)).orElseThrow();
            assertThat(b.alerts()).containsExactly(resolved("a"));
            outbox.failed(b, at(t));
            t = Duration.between(T0, outbox.wakeAt()).toMillis() / 1000.0;
        }
        AlertmanagerOutbox.Batch back = outbox.due(at(t)).orElseThrow();
        assertThat(back.alerts()).containsExactly(resolved("a"));
        outbox.delivered(back, at(t));

        assertThat(outbox.due(at(t + 3600))).isEmpty();
        assertThat(outbox.wakeAt()).isNull();
        assertThat(count("failed")).isEqualTo(20);
        assertThat(count("sent")).isEqualTo(2);
    }

    @Test
    void alertmanagerDown_retriesBackOffButNeverWaitLongerThanAResend() {
        outbox.record(firing("a"));
        List<Duration> pauses = new java.util.ArrayList<>();
        Instant now = at(0);
        for (int i = 0; i < 6; i++) {
            AlertmanagerOutbox.Batch b = outbox.due(now).orElseThrow();
            pauses.add(outbox.failed(b, now));
            assertThat(outbox.due(now.plus(pauses.get(i)).minusMillis(1))).isEmpty();
            now = now.plus(pauses.get(i));
        }

        assertThat(pauses).containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(4),
                Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ofSeconds(5));
        assertThat(AlertmanagerNotifier.longestRetry(Duration.ofMinutes(1))).isEqualTo(Duration.ofSeconds(30));
        assertThat(AlertmanagerNotifier.longestRetry(Duration.ofMillis(200))).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void alertThatFiredAndResolvedDuringTheOutage_arrivesAsItsResolution_besideTheOneStillFiring() {
        outbox.record(firing("a"));
        outbox.failed(outbox.due(at(0)).orElseThrow(), at(0));
        outbox.record(firing("b"));
        outbox.record(resolved("a"));

        AlertmanagerOutbox.Batch back = outbox.due(at(61)).orElseThrow();

        assertThat(back.alerts()).containsExactly(resolved("a"), firing("b"));
    }

    @Test
    void alertmanagerRestartedAndForgotEverything_getsTheFiringAlertsAtTheNextResend() {
        outbox.record(firing("a"));
        outbox.record(firing("b"));
        outbox.delivered(outbox.due(at(0)).orElseThrow(), at(0));
        // Alertmanager restarts at 2 s: nothing to tell it has changed here, so the resend carries it all
        assertThat(outbox.due(at(2))).isEmpty();

        assertThat(outbox.due(at(5)).orElseThrow().alerts()).containsExactly(firing("a"), firing("b"));
    }

    @Test
    void resolutionSupersededWhileItsPostIsInFlight_isNotForgotten() {
        outbox.record(firing("a"));
        outbox.delivered(outbox.due(at(0)).orElseThrow(), at(0));
        outbox.record(resolved("a"));
        AlertmanagerOutbox.Batch inFlight = outbox.due(at(1)).orElseThrow();
        Alert resolvedAgain = new Alert(1, Alert.RESOLVED, resolved("a").labels(), Map.of(), at(2), at(3), "a", "", Map.of());
        outbox.record(firing("a"));
        outbox.record(resolvedAgain);

        outbox.delivered(inFlight, at(1.1));

        assertThat(outbox.due(at(1.1)).orElseThrow().alerts()).containsExactly(resolvedAgain);
    }

    @Test
    void tooManyWaitingResolutions_dropTheOldestAndCountIt() {
        for (String fp : List.of("a", "b", "c", "d")) {
            outbox.record(firing(fp));
            outbox.record(resolved(fp));
        }

        assertThat(outbox.due(at(0)).orElseThrow().alerts()).containsExactly(resolved("b"), resolved("c"), resolved("d"));
        assertThat(count("dropped")).isEqualTo(1);
    }

    @Test
    void flappingAlert_holdsOneEntryNotOnePerFlap() {
        for (int i = 0; i < 100; i++) {
            outbox.record(firing("a"));
            outbox.record(resolved("a"));
        }

        assertThat(outbox.due(at(0)).orElseThrow().alerts()).containsExactly(resolved("a"));
        assertThat(count("dropped")).isZero();
    }

    @Test
    void refusedBatch_dropsItsResolutionsButKeepsResendingTheFiringAlerts() {
        outbox.record(firing("a"));
        outbox.record(resolved("b"));

        outbox.refused(outbox.due(at(0)).orElseThrow(), at(0));

        assertThat(outbox.due(at(1))).isEmpty();
        assertThat(outbox.due(at(5)).orElseThrow().alerts()).containsExactly(firing("a"));
        assertThat(count("dropped")).isEqualTo(1);
    }

    @Test
    void nothingFiringNothingWaiting_sleepsUntilTheNextChange() {
        assertThat(outbox.due(at(0))).isEmpty();
        assertThat(outbox.wakeAt()).isNull();
    }

    @Test
    void postedBody_carriesAFutureEndsAtWhileFiringAndTheRealOneOnceResolved() {
        Instant now = at(100);
        Map<String, Object> fired = AlertmanagerNotifier.body(Alerts.duplicateKey(Alert.FIRING, "h:1"), now, RESEND);
        Map<String, Object> done = AlertmanagerNotifier.body(Alerts.duplicateKey(Alert.RESOLVED, "h:1"), now, RESEND);

        assertThat(fired.get("endsAt")).isEqualTo(now.plus(RESEND.multipliedBy(4)).toString());
        assertThat(done.get("endsAt")).isEqualTo(Alerts.ENDED.toString());
        assertThat(done.get("startsAt")).isEqualTo(Alerts.STARTED.toString());
        assertThat(done).containsOnlyKeys("labels", "annotations", "startsAt", "endsAt", "generatorURL");
    }

    private double count(String outcome) {
        return registry.get(DeliveryOutcomes.METRIC).tags("receiver", "alertmanager", "outcome", outcome).counter().count();
    }
}
