package io.replsentinel.rules;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import com.fasterxml.jackson.module.paramnames.ParameterNamesModule;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quarkus.runtime.configuration.DurationConverter;
import io.replsentinel.alerting.AlertDispatcher;
import io.replsentinel.event.Alert;
import io.replsentinel.event.ChannelStatus;
import io.replsentinel.inventory.SentinelConfig;
import io.replsentinel.rules.user.UserRules;
import io.replsentinel.rules.user.UserRulesConfig;
import io.replsentinel.state.AlertState;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static io.replsentinel.rules.Statuses.channel;
import static io.replsentinel.rules.Statuses.healthy;
import static io.replsentinel.rules.Statuses.replica;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The alert lifecycle across a restart: the state is taken as the engine writes it to the
 * alert-state topic, goes through JSON as the topic holds it, and a new engine (empty views, as
 * after a restart) is restored from it before its first status.
 */
class AlertStateRestoreTest {

    private static final Instant T0 = Instant.parse("2026-11-26T00:00:00Z");
    static final ChannelStatus DUP_KEY = channel(ChannelStatus.RUNNING, ChannelStatus.STOPPED, 0, null, 1062,
            "Could not execute Write_rows event on table lab.t; Duplicate entry '100' for key 't.PRIMARY'");
    private static final ChannelStatus CONNECTING = channel(ChannelStatus.CONNECTING, ChannelStatus.RUNNING, 2003,
            "Can't connect to MySQL server on '10.0.0.11:3306' (111)", 0, null);
    private static final ObjectMapper JSON = new ObjectMapper()
            .registerModule(new Jdk8Module()).registerModule(new JavaTimeModule()).registerModule(new ParameterNamesModule())
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    /** The lifecycle is shown on two thread alerts; the lone replica's other findings (its source is not in the cluster) don't matter here. */
    private static final java.util.Set<String> WATCHED = java.util.Set.of(DetectorCatalogue.REPLICATION_SQL_THREAD_STOPPED,
            DetectorCatalogue.REPLICATION_IO_THREAD_CONNECTING);

    static RulesEngine engine() {
        return engine(null);
    }

    /** An engine at these settings that sets {@code metrics} (null: none). */
    static RulesEngine engine(io.replsentinel.metrics.InstanceMetrics metrics) {
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withConverter(Duration.class, 200, new DurationConverter())
                .withMapping(SentinelConfig.class)
                .withMapping(UserRulesConfig.class)
                .withDefaultValue("sentinel.rules.keep-firing-for", "10s")
                .withDefaultValue("sentinel.rules.for-outage-tolerance", "1h")
                .build();
        return new RulesEngine(JSON, null, new SimpleMeterRegistry(), config.getConfigMapping(SentinelConfig.class),
                new UserRules(config.getConfigMapping(UserRulesConfig.class)), metrics);
    }

    /** The engine's state as it would go to the topic and come back after a restart. */
    private static RulesEngine restarted(RulesEngine before) throws Exception {
        AlertState kept = JSON.readValue(JSON.writeValueAsString(before.snapshot(Statuses.CLUSTER).orElseThrow()),
                AlertState.class);
        RulesEngine after = engine();
        after.restore(kept, 1);
        return after;
    }

    private static List<Alert> at(RulesEngine engine, long second, ChannelStatus channel) {
        return engine.evaluate(replica("r1:3306", T0.plusSeconds(second), channel)).stream()
                .filter(a -> WATCHED.contains(a.alertname())).toList();
    }

    /** The status polled at {@code second}, read from status partition 1 at offset {@code second}. */
    private static List<Alert> record(RulesEngine engine, long second, ChannelStatus channel) {
        return engine.evaluate(replica("r1:3306", T0.plusSeconds(second), channel), 1, second).stream()
                .filter(a -> WATCHED.contains(a.alertname())).toList();
    }

    private static List<Alert> firing(RulesEngine engine) {
        return engine.firing(Statuses.CLUSTER).stream().filter(a -> WATCHED.contains(a.alertname())).toList();
    }

    @Test
    void firingAlert_keepsStartsAtAndFingerprintAcrossARestart_andDoesNotFireAgain() throws Exception {
        RulesEngine first = engine();
        Alert fired = at(first, 0, DUP_KEY).get(0);
        at(first, 1, DUP_KEY);

        RulesEngine second = restarted(first);
        assertThat(firing(second)).singleElement().satisfies(a -> {
            assertThat(a.fingerprint()).isEqualTo(fired.fingerprint());
            assertThat(a.startsAt()).isEqualTo(T0);
            assertThat(a.labels()).isEqualTo(fired.labels());
        });
        for (int s = 5; s < 30; s++) {
            assertThat(at(second, s, DUP_KEY)).as("no second firing at %ss", s).isEmpty();
        }
        assertThat(firing(second)).singleElement()
                .satisfies(a -> assertThat(a.startsAt()).isEqualTo(T0));
    }

    @Test
    void statusesTheStateAlreadyIncludes_readAgainAfterAPartitionMove_neitherResolveNorFireTheAlertAgain() throws Exception {
        RulesEngine first = engine();
        List<Alert> changes = new ArrayList<>();
        // healthy for 20 s (offsets 0-19), then the applier stops on a duplicate key (offsets 20-24)
        for (int s = 0; s < 25; s++) {
            changes.addAll(record(first, s, s < 20 ? healthy() : DUP_KEY));
        }
        Alert fired = changes.get(0);
        assertThat(changes).singleElement().satisfies(a -> assertThat(a.startsAt()).isEqualTo(T0.plusSeconds(20)));

        // the node that evaluated them dies; its consumer had committed offset 5: the next owner reads
        // 15 s of healthy polls again (more than keep-firing-for), then the fault's, then polls of its own
        RulesEngine second = restarted(first);
        for (int s = 5; s < 30; s++) {
            assertThat(record(second, s, s < 20 ? healthy() : DUP_KEY)).as("changes at offset %d", s).isEmpty();
        }
        assertThat(firing(second)).singleElement().satisfies(a -> {
            assertThat(a.fingerprint()).isEqualTo(fired.fingerprint());
            assertThat(a.startsAt()).isEqualTo(T0.plusSeconds(20));
        });
        assertThat(second.statuses(Statuses.CLUSTER).orElseThrow()).as("the view the statuses read again refilled")
                .singleElement().satisfies(st -> assertThat(st.observedAt()).isEqualTo(T0.plusSeconds(29)));

        // repaired: one resolve, keep-firing-for after the first clear poll
        List<Alert> repaired = new ArrayList<>();
        for (int s = 30; s <= 41; s++) {
            repaired.addAll(record(second, s, healthy()));
        }
        assertThat(repaired).singleElement().satisfies(r -> {
            assertThat(r.status()).isEqualTo(Alert.RESOLVED);
            assertThat(r.fingerprint()).isEqualTo(fired.fingerprint());
            assertThat(r.endsAt()).isEqualTo(T0.plusSeconds(30));
        });
    }

    @Test
    void faultRepairedWhileDown_resolvesAfterTheRestartWithTheSameFingerprint() throws Exception {
        RulesEngine first = engine();
        Alert fired = at(first, 0, DUP_KEY).get(0);

        RulesEngine second = restarted(first);
        List<Alert> changes = new ArrayList<>();
        for (int s = 60; s <= 70; s++) {
            changes.addAll(at(second, s, healthy()));
        }
        assertThat(changes).singleElement().satisfies(r -> {
            assertThat(r.status()).isEqualTo(Alert.RESOLVED);
            assertThat(r.fingerprint()).isEqualTo(fired.fingerprint());
            assertThat(r.startsAt()).isEqualTo(T0);
            // the outage is not counted as clear: the first poll after the restart is
            assertThat(r.endsAt()).isEqualTo(T0.plusSeconds(60));
        });
    }

    @Test
    void clearingAlert_keepsItsKeepFiringForAcrossARestart() throws Exception {
        RulesEngine first = engine();
        at(first, 0, DUP_KEY);
        at(first, 1, healthy());

        RulesEngine second = restarted(first);
        assertThat(at(second, 5, healthy())).isEmpty();
        assertThat(at(second, 11, healthy())).singleElement().satisfies(r -> {
            assertThat(r.status()).isEqualTo(Alert.RESOLVED);
            assertThat(r.endsAt()).isEqualTo(T0.plusSeconds(1));
        });
    }

    @Test
    void pendingAlert_keepsItsForAcrossAShortRestart() throws Exception {
        RulesEngine first = engine();
        for (int s = 0; s < 10; s++) {
            assertThat(at(first, s, CONNECTING)).isEmpty();
        }

        RulesEngine second = restarted(first);
        assertThat(at(second, 25, CONNECTING)).isEmpty();
        assertThat(at(second, 30, CONNECTING)).singleElement().satisfies(a -> {
            assertThat(a.alertname()).isEqualTo(DetectorCatalogue.REPLICATION_IO_THREAD_CONNECTING);
            assertThat(a.startsAt()).isEqualTo(T0);
        });
    }

    @Test
    void outageLongerThanTheTolerance_startsPendingTimersAgainAtTheFirstPollAfterIt() throws Exception {
        RulesEngine first = engine();
        at(first, 0, CONNECTING);
        at(first, 10, CONNECTING);

        RulesEngine second = restarted(first);
        long back = Duration.ofHours(2).toSeconds();
        assertThat(at(second, back, CONNECTING)).as("down for two hours: nobody saw it connecting all along").isEmpty();
        assertThat(at(second, back + 29, CONNECTING)).isEmpty();
        assertThat(at(second, back + 30, CONNECTING)).singleElement()
                .satisfies(a -> assertThat(a.startsAt()).isEqualTo(T0.plusSeconds(back)));
    }

    @Test
    void undeliveredChanges_areKeptPerSinkAndAlertmanagerKeepsOnlyTheLatest() throws Exception {
        RulesEngine engine = engine();
        Alert fired = at(engine, 0, DUP_KEY).get(0);
        ClusterState state = new ClusterState(Statuses.CLUSTER, new AlertTracker(new AlertTracker.Settings(
                a -> Duration.ZERO, Duration.ofSeconds(10), "", "")));
        List<String> all = List.of(AlertDispatcher.STORE, AlertDispatcher.TOPIC, AlertDispatcher.ALERTMANAGER, AlertDispatcher.SLACK);
        state.awaitDelivery(fired, all);
        Alert resolved = new Alert(fired.schemaVersion(), Alert.RESOLVED, fired.labels(), fired.annotations(), fired.startsAt(),
                T0.plusSeconds(20), fired.fingerprint(), fired.generatorURL(), fired.evidence());
        state.awaitDelivery(resolved, all);
        assertThat(state.delivered(AlertDispatcher.STORE, fired)).isTrue();
        assertThat(state.delivered(AlertDispatcher.TOPIC, fired)).isTrue();
        assertThat(state.delivered(AlertDispatcher.SLACK, resolved)).as("Slack has not had the firing one yet, but may say so").isTrue();

        AlertState kept = JSON.readValue(JSON.writeValueAsString(state.snapshot()), AlertState.class);
        assertThat(kept.undelivered()).hasSize(2);
        assertThat(kept.undelivered().get(0).change().status()).isEqualTo(Alert.FIRING);
        assertThat(kept.undelivered().get(0).sinks()).containsExactly(AlertDispatcher.SLACK);
        assertThat(kept.undelivered().get(1).change().status()).isEqualTo(Alert.RESOLVED);
        assertThat(kept.undelivered().get(1).sinks())
                .containsExactly(AlertDispatcher.STORE, AlertDispatcher.TOPIC, AlertDispatcher.ALERTMANAGER);
    }
}
