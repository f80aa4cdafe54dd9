package io.replsentinel.rules.user;

import io.quarkus.runtime.Startup;
import io.replsentinel.rules.Detector;
import io.replsentinel.rules.DetectorCatalogue;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The user's own alert rules from {@code sentinel.user-rules}, compiled once at start-up: a rule
 * that cannot run stops the service with its key named. The rules engine runs their
 * {@link #detectors()} after the built-in catalogue and asks {@link #forDuration(String)} for
 * their {@code for:}.
 */
@Startup
@Singleton
public class UserRules {

    static final String PREFIX = "sentinel.user-rules.";
    private static final Pattern ALERTNAME = Pattern.compile("^[A-Z][A-Za-z0-9]+$");
    private static final Pattern LABEL_NAME = Pattern.compile("^[a-zA-Z_][a-zA-Z0-9_]*$");
    /** Labels the engine sets on every alert; a rule may not override them. */
    private static final Set<String> RESERVED_LABELS = Set.of("alertname", "cluster", "instance", "severity", "channel");
    private static final Logger LOG = Logger.getLogger(UserRules.class);

    private final Map<String, UserRuleDetector> detectors;
    private final Map<String, Duration> forDurations;

    @Inject
    public UserRules(UserRulesConfig config) {
        this(config.rules());
        detectors.values().forEach(d -> LOG.infof("User rule %s loaded, evaluated per %s",
                d.alertname(), d.perChannel() ? "channel" : "instance"));
    }

    UserRules(Map<String, UserRulesConfig.Rule> configured) {
        RuleCompiler compiler = new RuleCompiler();
        Set<String> builtIn = DetectorCatalogue.names();
        Map<String, UserRuleDetector> built = new LinkedHashMap<>();
        Map<String, Duration> fors = new LinkedHashMap<>();
        new TreeMap<>(configured).forEach((name, rule) -> {
            String key = PREFIX + name;
            if (!ALERTNAME.matcher(name).matches()) {
                throw new UserRuleException(key, "'" + name + "' is not an alertname: it must match " + ALERTNAME.pattern());
            }
            if (builtIn.contains(name)) {
                throw new UserRuleException(key, "'" + name + "' is a built-in alertname; give the rule another name");
            }
            if (rule.forDuration().isNegative()) {
                throw new UserRuleException(key + ".for", rule.forDuration() + " is negative");
            }
            rule.labels().keySet().forEach(label -> checkLabel(key + ".labels." + label, label));
            RuleCompiler.Compiled expr = compiler.compile(key + ".expr", rule.expr());
            String summary = rule.annotations().summary().orElse(name + " on {{ $labels.instance }}"
                    + (expr.perChannel() ? " channel '{{ $labels.channel }}'" : ""));
            String description = rule.annotations().description().orElse("User rule " + name + " matched: " + rule.expr());
            built.put(name, new UserRuleDetector(name, rule.severity().name(), rule.labels(), summary, description, expr,
                    new ErrorThrottle(UserRuleDetector.ERROR_LOG_INTERVAL, System::nanoTime)));
            fors.put(name, rule.forDuration());
        });
        this.detectors = Collections.unmodifiableMap(built);
        this.forDurations = Collections.unmodifiableMap(fors);
    }

    private static void checkLabel(String key, String label) {
        if (RESERVED_LABELS.contains(label)) {
            throw new UserRuleException(key, "label '" + label + "' is set by the engine and cannot be overridden");
        }
        if (!LABEL_NAME.matcher(label).matches()) {
            throw new UserRuleException(key, "'" + label + "' is not a label name: it must match " + LABEL_NAME.pattern());
        }
    }

    /** One detector per rule, in alertname order. */
    public List<Detector> detectors() {
        return new ArrayList<>(detectors.values());
    }

    /** The rule's {@code for:}, or empty when {@code alertname} is not a user rule. */
    public Optional<Duration> forDuration(String alertname) {
        return Optional.ofNullable(forDurations.get(alertname));
    }
}
