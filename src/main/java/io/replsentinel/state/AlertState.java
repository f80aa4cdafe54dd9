package io.replsentinel.state;

import io.replsentinel.event.Alert;

import java.time.Instant;
import java.util.List;

/**
 * One cluster's alert state as the alert-state topic holds it: the alerts its lifecycle tracks
 * (pending or firing, with their timers) and the state changes some sink has not taken yet.
 *
 * @param time        the newest poll time the cluster's lifecycle had seen: the clock its timers run on
 * @param alerts      every alert pending or firing
 * @param undelivered state changes not yet taken by every sink, oldest first
 * @param statusOffset the offset, on the cluster's status partition (the partition this record is
 *                    on), of the latest status record the state includes the evaluation of; null
 *                    when not known. A node taking the partition over may read from an earlier
 *                    offset (the consumer commits every few seconds): the records up to this one
 *                    refill its view but do not run the lifecycle again, which would resolve an
 *                    alert on statuses polled before its fault and fire it again on the next.
 */
public record AlertState(int schemaVersion, String cluster, Instant time, List<Tracked> alerts,
                         List<Undelivered> undelivered, Long statusOffset) {

    public static final int SCHEMA_VERSION = 1;
    /** The status a pending alert's {@link Tracked#alert()} carries: it never left the engine. */
    public static final String PENDING = "pending";

    /**
     * One alert of the lifecycle.
     *
     * @param since      when its condition was first seen: the firing alert's {@code startsAt}
     * @param clearSince when a firing alert's condition was first seen clear, null while it holds
     * @param alert      the alert as last evaluated (status {@code pending} while pending)
     */
    public record Tracked(String fingerprint, Instant since, boolean firing, Instant clearSince, Alert alert) {
    }

    /**
     * A state change and the sinks that have not taken it yet.
     *
     * @param sinks sink names ({@code store}, {@code topic}, {@code alertmanager}, {@code slack})
     */
    public record Undelivered(Alert change, List<String> sinks) {
    }

    /** Nothing to keep: the topic gets a tombstone. */
    public boolean isEmpty() {
        return alerts.isEmpty() && undelivered.isEmpty();
    }
}
