package io.replsentinel.poll;

import io.replsentinel.event.ChannelStatus;
import io.replsentinel.event.ReplicationStatus;
import io.replsentinel.inventory.WatchedInstance;
import io.replsentinel.rules.ClusterView;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The heartbeat's {@link HeartbeatGate}: a small per-cluster {@link ClusterView} fed with every status
 * this node publishes, so that the heartbeat writes only on the instance that view takes as the
 * primary, by the same rule the detectors use. A writable instance with no channel is therefore not
 * written to when the inventory expects it to be a replica and no other instance replicates from it
 * (a replica after {@code RESET REPLICA ALL}): a write there would be an errant transaction.
 */
@ApplicationScoped
public class PrimaryWatch implements HeartbeatGate {

    private final Map<String, ClusterView> views = new ConcurrentHashMap<>();

    /** Folds in a status this node has just produced. */
    public void record(ReplicationStatus status) {
        ClusterView view = views.computeIfAbsent(status.cluster(), ClusterView::new);
        synchronized (view) {
            view.update(status);
        }
    }

    @Override
    public boolean mayWrite(WatchedInstance instance, Boolean readOnly, List<ChannelStatus> channels) {
        if (!Boolean.FALSE.equals(readOnly) || !channels.isEmpty()) {
            return false;
        }
        ClusterView view = views.computeIfAbsent(instance.cluster(), ClusterView::new);
        synchronized (view) {
            ReplicationStatus.Builder now = view.instance(instance.id()).map(ReplicationStatus::toBuilder)
                    .orElseGet(() -> ReplicationStatus.builder(instance.cluster(), instance.id())
                            .expectedRole(instance.expectedRole().orElse(null)));
            return view.primaryWith(now.reachable(true).error(null).readOnly(readOnly).channels(channels).build());
        }
    }
}
