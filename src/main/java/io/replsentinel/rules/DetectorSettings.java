package io.replsentinel.rules;

import io.replsentinel.inventory.SentinelConfig;

import java.time.Duration;
import java.util.List;
import java.util.Set;

/** The thresholds and allow-lists the detectors read, from {@code sentinel.rules}. */
public record DetectorSettings(Duration lagWarning, Duration lagCritical, Set<String> errantAllowedUuids,
                               Set<Long> errantAllowedDomainIds, Set<Long> errantAllowedServerIds,
                               boolean transactionLagAlerting, Duration transactionLagMaxAge,
                               boolean transactionLagPerReplica, Duration errantStreamWait) {

    /** Per-transaction lag off for alerting, kept 30 s, histogram by cluster. */
    public DetectorSettings(Duration lagWarning, Duration lagCritical, Set<String> errantAllowedUuids,
                            Set<Long> errantAllowedDomainIds, Set<Long> errantAllowedServerIds) {
        this(lagWarning, lagCritical, errantAllowedUuids, errantAllowedDomainIds, errantAllowedServerIds,
                false, Duration.ofSeconds(30), false, Duration.ofSeconds(2));
    }

    /** As {@link #DetectorSettings(Duration, Duration, Set, Set, Set)}, with per-transaction lag settings. */
    public DetectorSettings(Duration lagWarning, Duration lagCritical, Set<String> errantAllowedUuids,
                            Set<Long> errantAllowedDomainIds, Set<Long> errantAllowedServerIds,
                            boolean transactionLagAlerting, Duration transactionLagMaxAge,
                            boolean transactionLagPerReplica) {
        this(lagWarning, lagCritical, errantAllowedUuids, errantAllowedDomainIds, errantAllowedServerIds,
                transactionLagAlerting, transactionLagMaxAge, transactionLagPerReplica, Duration.ofSeconds(2));
    }

    public static DetectorSettings defaults() {
        return new DetectorSettings(Duration.ofSeconds(30), Duration.ofSeconds(300), Set.of(), Set.of(), Set.of());
    }

    public static DetectorSettings from(SentinelConfig.Rules rules) {
        return new DetectorSettings(rules.lagWarning(), rules.lagCritical(),
                Set.copyOf(rules.errant().allowedUuids().orElse(List.of()).stream().map(String::toLowerCase).toList()),
                Set.copyOf(rules.errant().allowedDomainIds().orElse(List.of())),
                Set.copyOf(rules.errant().allowedServerIds().orElse(List.of())),
                rules.transactionLag().alerting(), rules.transactionLag().maxAge(),
                rules.transactionLag().perReplicaHistogram(), rules.errant().streamWait());
    }
}
