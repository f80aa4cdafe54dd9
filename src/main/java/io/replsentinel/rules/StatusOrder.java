package io.replsentinel.rules;

import io.replsentinel.event.PollerIdentity;
import io.replsentinel.event.ReplicationStatus;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;

/**
 * Decides, per instance, whether a status is newer than the one the view holds, by the poller's
 * sequence and identity, never by wall-clock time (a service clock stepped back must not make every
 * new poll look old). The rule:
 * <ol>
 *   <li>from the same poller (node, generation, epoch): newer when its {@code sequence} is higher;</li>
 *   <li>from a lower group generation than the held status: old (a node that lost the cluster);</li>
 *   <li>from a poller this instance has already moved away from (a retired identity): old;</li>
 *   <li>from any other poller (a restart, whose sequence starts again at 1, or a new owner): newer,
 *       and the held status's poller is retired;</li>
 *   <li>a status without sequence or poller (from a poller that predates them) is ordered by
 *       {@code observedAt}, as before.</li>
 * </ol>
 * Not thread-safe: the engine serialises calls per cluster.
 */
final class StatusOrder {

    /** Retired pollers remembered per instance: one per restart; the oldest are forgotten. */
    static final int RETIRED_KEPT = 8;

    private final Map<String, Deque<PollerIdentity>> retired = new HashMap<>();

    /** True when {@code next} should replace {@code held} (null when the instance is new to the view). */
    boolean newer(ReplicationStatus held, ReplicationStatus next) {
        if (held == null) {
            return true;
        }
        PollerIdentity was = held.poller();
        PollerIdentity is = next.poller();
        if (was == null || is == null || held.sequence() <= 0 || next.sequence() <= 0) {
            return !held.observedAt().isAfter(next.observedAt());
        }
        if (was.equals(is)) {
            return next.sequence() > held.sequence();
        }
        if (is.generation() < was.generation()) {
            return false;
        }
        Deque<PollerIdentity> gone = retired.computeIfAbsent(next.instance(), i -> new ArrayDeque<>());
        if (gone.contains(is)) {
            return false;
        }
        gone.addFirst(was);
        while (gone.size() > RETIRED_KEPT) {
            gone.removeLast();
        }
        return true;
    }
}
