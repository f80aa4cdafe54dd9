package io.replsentinel.rules.user;

import io.replsentinel.rules.Finding;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static io.replsentinel.rules.user.Polls.T0;
import static io.replsentinel.rules.user.Polls.mariadbReplica;
import static io.replsentinel.rules.user.Polls.mysqlReplica;
import static io.replsentinel.rules.user.Polls.running;
import static io.replsentinel.rules.user.Polls.sqlStopped;
import static io.replsentinel.rules.user.Polls.unreachable;
import static io.replsentinel.rules.user.Rules.findings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

/** User rules evaluated over real-looking polls: what matches, once per what, and how it reads. */
class UserRuleEvaluationTest {

    private static final String WRITABLE_REPLICA = "status.expectedRole == 'replica' && status.readOnly == false";
    private static final String LAGGING = "has(channel.secondsBehindSource) && channel.secondsBehindSource > 60";

    @Test
    void writableReplica_firesOncePerInstanceWithRuleLabelsAndSeverity() {
        UserRules rules = Rules.load(Map.of(
                "sentinel.user-rules.ReplicaWritable.expr", WRITABLE_REPLICA,
                "sentinel.user-rules.ReplicaWritable.severity", "critical",
                "sentinel.user-rules.ReplicaWritable.labels.team", "dba"));
        List<Finding> found = findings(rules,
                mysqlReplica("r1:3306", T0, false, running("", 0L), running("analytics", 0L)),
                mysqlReplica("r2:3306", T0, true, running("", 0L)));
        assertThat(found).singleElement().satisfies(f -> {
            assertThat(f.alertname()).isEqualTo("ReplicaWritable");
            assertThat(f.instance()).isEqualTo("r1:3306");
            assertThat(f.cluster()).isEqualTo("orders");
            assertThat(f.severity()).isEqualTo("critical");
            assertThat(f.labels()).containsExactly(Map.entry("team", "dba"));
            assertThat(f.instanceLabels()).containsEntry("zone", "b");
            assertThat(f.observedAt()).isEqualTo(T0);
        });
    }

    @Test
    void laggingChannel_firesOncePerLaggingChannelLabelledWithIt() {
        UserRules rules = Rules.rule("ChannelLagging", LAGGING);
        List<Finding> found = findings(rules,
                mysqlReplica("r1:3306", T0, true, running("", 3L), running("analytics", 75L)),
                mysqlReplica("r2:3306", T0, true, running("", 61L)));
        assertThat(found).extracting(Finding::instance, f -> f.labels().get("channel"))
                .containsExactlyInAnyOrder(tuple("r1:3306", "analytics"),
                        tuple("r2:3306", ""));
    }

    @Test
    void perChannelRule_seesItsInstanceToo() {
        UserRules rules = Rules.rule("MariaDbChannelLagging",
                "status.flavor == 'mariadb' && has(channel.secondsBehindSource) && channel.secondsBehindSource > 60");
        assertThat(findings(rules,
                mariadbReplica("m1:3306", T0, running("", 90L)),
                mysqlReplica("r1:3306", T0, true, running("", 90L))))
                .extracting(Finding::instance).containsExactly("m1:3306");
    }

    @Test
    void ruleLoopingOverChannels_staysPerInstance() {
        UserRules rules = Rules.rule("AnyApplierStopped", "status.channels.exists(channel, channel.sqlState == 'stopped')");
        assertThat(findings(rules, mysqlReplica("r1:3306", T0, true, running("", 0L), sqlStopped("a"), sqlStopped("b"))))
                .singleElement().satisfies(f -> assertThat(f.labels()).doesNotContainKey("channel"));
    }

    @Test
    void nullLag_isAbsent_soHasIsFalseAndTheRuleDoesNotMatch() {
        UserRules guarded = Rules.rule("ChannelLagging", LAGGING);
        UserRules lagUnknown = Rules.rule("LagUnknown", "channel.sqlState == 'running' || !has(channel.secondsBehindSource)");
        assertThat(findings(guarded, mysqlReplica("r1:3306", T0, true, sqlStopped("")))).isEmpty();
        assertThat(findings(lagUnknown, mysqlReplica("r1:3306", T0, true, sqlStopped(""))))
                .extracting(f -> f.labels().get("channel")).containsExactly("");
    }

    @Test
    void nullComparedWithoutHas_isAnEvaluationError_thatNeitherMatchesNorThrows() {
        UserRules unguarded = Rules.rule("ChannelLagging", "channel.secondsBehindSource > 60");
        assertThat(findings(unguarded,
                mysqlReplica("r1:3306", T0, true, sqlStopped("")),
                mysqlReplica("r2:3306", T0, true, running("", 90L))))
                .extracting(Finding::instance).containsExactly("r2:3306");
    }

    @Test
    void nullNeverEqualsAValue_soAMariaDbReplicaIsNotTakenForWritable() {
        UserRules rules = Rules.rule("SuperReadOnlyOff", "status.superReadOnly == false");
        assertThat(findings(rules, mariadbReplica("m1:3306", T0, running("", 0L)))).isEmpty();
        assertThat(findings(rules, mysqlReplica("r1:3306", T0, false, running("", 0L)))).hasSize(1);
    }

    @Test
    void unreachableInstance_matchesOnlyRulesAboutReachability() {
        UserRules writable = Rules.rule("ReplicaWritable", "!status.readOnly && status.expectedRole == 'replica'");
        UserRules refused = Rules.rule("ReplicaRefusing", "!status.reachable && status.error.errorClass == 'refused'");
        assertThat(findings(writable, unreachable("r1:3306", T0))).isEmpty();
        assertThat(findings(refused, unreachable("r1:3306", T0))).singleElement()
                .satisfies(f -> assertThat(f.evidence()).containsKey("status.error"));
    }

    @Test
    void instanceLabels_areReadableAsAMap() {
        UserRules rules = Rules.rule("ZoneBReplicaLagging",
                "'zone' in status.labels && status.labels['zone'] == 'b' && channel.sqlState == 'stopped'");
        assertThat(findings(rules,
                mysqlReplica("r1:3306", T0, true, sqlStopped("")),
                mariadbReplica("m1:3306", T0, sqlStopped("")))).extracting(Finding::instance).containsExactly("r1:3306");
    }

    @Test
    void standardStringFunctions_workOnFieldsThatMayBeNull() {
        UserRules rules = Rules.rule("DuplicateKeyOnMySql8",
                "has(channel.lastSqlError) && channel.lastSqlError.contains('Duplicate entry')"
                        + " && status.version.startsWith('8.') && status.serverUuid.matches('^uuid-[0-9]+$')"
                        + " && size(status.channels.filter(c, c.sqlState == 'stopped')) == 1");
        assertThat(findings(rules,
                mysqlReplica("r1:3306", T0, true, running("", 0L), sqlStopped("analytics")),
                mariadbReplica("m1:3306", T0, sqlStopped(""))))
                .extracting(Finding::instance, f -> f.labels().get("channel"))
                .containsExactly(tuple("r1:3306", "analytics"));
    }

    @Test
    void summaryAndDescription_fillInLabels() {
        UserRules rules = Rules.load(Map.of(
                "sentinel.user-rules.ChannelLagging.expr", LAGGING,
                "sentinel.user-rules.ChannelLagging.labels.team", "dba",
                "sentinel.user-rules.ChannelLagging.annotations.summary",
                "{{ $labels.instance }} channel {{$labels.channel}} lags (zone {{ $labels.zone }})",
                "sentinel.user-rules.ChannelLagging.annotations.description",
                "Page {{ $labels.team }}; {{ $labels.missing }}end"));
        assertThat(findings(rules, mysqlReplica("r1:3306", T0, true, running("analytics", 75L))))
                .singleElement().satisfies(f -> {
                    assertThat(f.summary()).isEqualTo("r1:3306 channel analytics lags (zone b)");
                    assertThat(f.description()).isEqualTo("Page dba; end");
                });
    }

    @Test
    void defaultAnnotations_nameTheRuleInstanceChannelAndExpression() {
        assertThat(findings(Rules.rule("ChannelLagging", LAGGING), mysqlReplica("r1:3306", T0, true, running("analytics", 75L))))
                .singleElement().satisfies(f -> {
                    assertThat(f.summary()).isEqualTo("ChannelLagging on r1:3306 channel 'analytics'");
                    assertThat(f.description()).isEqualTo("User rule ChannelLagging matched: " + LAGGING);
                });
    }

    @Test
    void evidence_holdsTheFieldsTheExpressionRead_andNothingElseOfTheChannel() {
        UserRules rules = Rules.rule("ChannelLagging", LAGGING + " && status.gtidMode == 'ON'");
        assertThat(findings(rules, mysqlReplica("r1:3306", T0, true, running("analytics", 75L))))
                .singleElement().satisfies(f -> {
                    assertThat(f.evidence()).containsEntry("channel.secondsBehindSource", 75L)
                            .containsEntry("status.gtidMode", "ON")
                            .containsEntry("expr", LAGGING + " && status.gtidMode == 'ON'")
                            .containsEntry("flavor", "mysql")
                            .doesNotContainKeys("channel.executedGtidSet", "channel.sourceHost", "status.gtidExecuted");
                });
    }
}
