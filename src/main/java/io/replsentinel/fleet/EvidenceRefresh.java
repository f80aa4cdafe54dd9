package io.replsentinel.fleet;

import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;

/**
 * How often the rules engine writes a cluster's alert state again only because a firing alert's
 * evidence changed ({@code sentinel.fleet.evidence-refresh}): the other nodes' API reads firing
 * alerts from the alert-state topic ({@link FleetView}), which otherwise gets a cluster's state
 * only when an alert changes state, so they would show the evidence of the alert's first poll.
 * With the fleet not shared nobody reads it there: no such writes.
 */
@ApplicationScoped
public class EvidenceRefresh {

    private final long everyNanos;

    public EvidenceRefresh(FleetConfig fleet) {
        Duration every = fleet.evidenceRefresh();
        this.everyNanos = fleet.enabled() && !every.isZero() && !every.isNegative() ? every.toNanos() : -1;
    }

    /**
     * Whether a cluster whose state was last written at {@code writtenNanos} ({@link System#nanoTime()})
     * may be written again for fresher evidence at {@code nowNanos}.
     */
    public boolean due(long writtenNanos, long nowNanos) {
        return everyNanos >= 0 && nowNanos - writtenNanos >= everyNanos;
    }
}
