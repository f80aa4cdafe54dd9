package io.replsentinel.rules.user;

import io.replsentinel.event.Severity;
import io.replsentinel.inventory.SentinelConfig;
import io.smallrye.config.SmallRyeConfig;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Start-up checks of {@code sentinel.user-rules}: a rule that cannot run stops the service with its key named. */
class UserRulesStartupTest {

    @Test
    void settingsAndUserRules_loadSideBySideWithoutUnknownPropertyErrors() {
        SmallRyeConfig config = Rules.config(Map.of(
                "sentinel.clusters.orders.user", "monitor",
                "sentinel.clusters.orders.instances[0].host", "db1",
                "sentinel.rules.for", "5s",
                "sentinel.user-rules.ReplicaWritable.expr", "status.readOnly == false",
                "sentinel.user-rules.ReplicaWritable.for", "1m",
                "sentinel.user-rules.ReplicaWritable.labels.team", "dba",
                "sentinel.user-rules.ReplicaWritable.annotations.summary", "{{ $labels.instance }} is writable"));
        assertThat(config.getConfigMapping(SentinelConfig.class).rules().forDuration()).hasSeconds(5);
        assertThat(config.getConfigMapping(SentinelConfig.class).clusters()).containsOnlyKeys("orders");
        UserRulesConfig.Rule rule = config.getConfigMapping(UserRulesConfig.class).rules().get("ReplicaWritable");
        assertThat(rule.forDuration()).isEqualTo(Duration.ofMinutes(1));
        assertThat(rule.labels()).containsExactly(Map.entry("team", "dba"));
    }

    @Test
    void unknownKeyOfARule_isRefusedNamingIt() {
        assertThatThrownBy(() -> Rules.config(Map.of(
                "sentinel.user-rules.ReplicaWritable.expr", "status.readOnly == false",
                "sentinel.user-rules.ReplicaWritable.severty", "critical")))
                .hasMessageContaining("sentinel.user-rules.ReplicaWritable.severty");
    }

    @Test
    void ruleWithOnlyAnExpression_getsTheDefaults() {
        UserRulesConfig.Rule rule = Rules.config(Map.of("sentinel.user-rules.ReplicaWritable.expr", "status.readOnly == false"))
                .getConfigMapping(UserRulesConfig.class).rules().get("ReplicaWritable");
        assertThat(rule.forDuration()).isZero();
        assertThat(rule.severity()).isEqualTo(Severity.warning);
        assertThat(rule.labels()).isEmpty();
        assertThat(rule.annotations().summary()).isEmpty();
        UserRules rules = Rules.rule("ReplicaWritable", "status.readOnly == false");
        assertThat(rules.forDuration("ReplicaWritable")).contains(Duration.ZERO);
        assertThat(rules.forDuration("ReplicationSqlThreadStopped")).isEmpty();
    }

    @Test
    void noUserRules_meansNoDetectors() {
        assertThat(Rules.load(Map.of()).detectors()).isEmpty();
    }

    @Test
    void undeclaredReference_stopsStartupNamingTheRuleKey() {
        assertThatThrownBy(() -> Rules.rule("MyRule", "foo > 1"))
                .isInstanceOf(UserRuleException.class)
                .hasMessageContaining("sentinel.user-rules.MyRule.expr")
                .hasMessageContaining("undeclared reference to 'foo'");
    }

    @Test
    void unknownStatusField_stopsStartupNamingTheRuleKeyAndField() {
        assertThatThrownBy(() -> Rules.rule("MyRule", "status.readonly == false"))
                .hasMessageContaining("sentinel.user-rules.MyRule.expr")
                .hasMessageContaining("undefined field 'readonly'");
        assertThatThrownBy(() -> Rules.rule("MyRule", "channel.secondsBehindMaster > 60"))
                .hasMessageContaining("sentinel.user-rules.MyRule.expr")
                .hasMessageContaining("undefined field 'secondsBehindMaster'");
    }

    @Test
    void syntaxError_stopsStartupNamingTheRuleKey() {
        assertThatThrownBy(() -> Rules.rule("MyRule", "status.readOnly == "))
                .hasMessageContaining("sentinel.user-rules.MyRule.expr")
                .hasMessageContaining("mismatched input");
    }

    @Test
    void nonBooleanExpression_stopsStartupNamingTheRuleKey() {
        assertThatThrownBy(() -> Rules.rule("MyRule", "channel.secondsBehindSource"))
                .hasMessageContaining("sentinel.user-rules.MyRule.expr")
                .hasMessageContaining("expected type 'bool'");
    }

    @Test
    void typeMismatch_stopsStartupNamingTheRuleKey() {
        assertThatThrownBy(() -> Rules.rule("MyRule", "channel.lastSqlErrno == 'duplicate'"))
                .hasMessageContaining("sentinel.user-rules.MyRule.expr")
                .hasMessageContaining("no matching overload");
    }

    @Test
    void missingExpression_stopsStartupNamingTheKey() {
        assertThatThrownBy(() -> Rules.load(Map.of("sentinel.user-rules.MyRule.severity", "critical")))
                .hasMessageContaining("sentinel.user-rules.MyRule.expr");
        assertThatThrownBy(() -> Rules.rule("MyRule", "  "))
                .isInstanceOf(UserRuleException.class)
                .hasMessageContaining("sentinel.user-rules.MyRule.expr");
    }

    @Test
    void builtInAlertname_isRefused() {
        assertThatThrownBy(() -> Rules.rule("ReplicationSqlThreadStopped", "channel.sqlState == 'stopped'"))
                .isInstanceOf(UserRuleException.class)
                .hasMessageContaining("sentinel.user-rules.ReplicationSqlThreadStopped")
                .hasMessageContaining("built-in");
    }

    @Test
    void nameThatIsNotAnAlertname_isRefused() {
        for (String name : new String[] {"replicaWritable", "Replica-Writable", "R", "Replica_Writable"}) {
            assertThatThrownBy(() -> Rules.rule(name, "status.readOnly == false"))
                    .as(name).isInstanceOf(UserRuleException.class)
                    .hasMessageContaining("sentinel.user-rules." + name + ":")
                    .hasMessageContaining("^[A-Z][A-Za-z0-9]+$");
        }
    }

    @Test
    void labelTheEngineSets_isRefusedNamingTheKey() {
        assertThatThrownBy(() -> Rules.load(Map.of(
                "sentinel.user-rules.ReplicaWritable.expr", "status.readOnly == false",
                "sentinel.user-rules.ReplicaWritable.labels.severity", "page")))
                .isInstanceOf(UserRuleException.class)
                .hasMessageContaining("sentinel.user-rules.ReplicaWritable.labels.severity");
    }

    @Test
    void unknownSeverity_stopsStartupNamingTheKey() {
        assertThatThrownBy(() -> Rules.load(Map.of(
                "sentinel.user-rules.ReplicaWritable.expr", "status.readOnly == false",
                "sentinel.user-rules.ReplicaWritable.severity", "page")))
                .hasMessageContaining("sentinel.user-rules.ReplicaWritable.severity");
    }

    @Test
    void negativeFor_stopsStartupNamingTheKey() {
        assertThatThrownBy(() -> Rules.load(Map.of(
                "sentinel.user-rules.ReplicaWritable.expr", "status.readOnly == false",
                "sentinel.user-rules.ReplicaWritable.for", "-1s")))
                .hasMessageContaining("sentinel.user-rules.ReplicaWritable.for");
    }
}
