package io.replsentinel.rules.user;

import io.quarkus.runtime.configuration.DurationConverter;
import io.replsentinel.event.ReplicationStatus;
import io.replsentinel.inventory.SentinelConfig;
import io.replsentinel.rules.ClusterView;
import io.replsentinel.rules.Finding;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Loads user rules from properties the way the service does at start-up, without booting Quarkus. */
final class Rules {

    private Rules() {
    }

    /** Both mappings side by side, as in the running service. */
    static SmallRyeConfig config(Map<String, String> properties) {
        return new SmallRyeConfigBuilder()
                .withMapping(SentinelConfig.class)
                .withMapping(UserRulesConfig.class)
                .withConverter(Duration.class, 100, new DurationConverter())
                .withSources(new PropertiesConfigSource(properties, "test", 500))
                .build();
    }

    static UserRules load(Map<String, String> properties) {
        return new UserRules(config(properties).getConfigMapping(UserRulesConfig.class));
    }

    /** One rule with only its expression set. */
    static UserRules rule(String name, String expr) {
        return load(Map.of("sentinel.user-rules." + name + ".expr", expr));
    }

    /** What every user rule finds over a cluster holding these statuses. */
    static List<Finding> findings(UserRules rules, ReplicationStatus... statuses) {
        ClusterView view = new ClusterView(Polls.CLUSTER);
        for (ReplicationStatus s : statuses) {
            view.update(s);
        }
        List<Finding> findings = new ArrayList<>();
        rules.detectors().forEach(d -> findings.addAll(d.detect(view)));
        return findings;
    }
}
