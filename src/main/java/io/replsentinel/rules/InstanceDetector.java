package io.replsentinel.rules;

import io.replsentinel.event.ReplicationStatus;

import java.util.ArrayList;
import java.util.List;

/**
 * A detector whose findings are each about one instance and made from that instance's latest
 * status: the engine ({@link ClusterFindings}) runs it again only for the instance a new status is
 * about, and keeps the other instances' findings, which nothing they read has changed. Where an
 * instance's findings also read the rest of the cluster ({@link #readsCluster()}: which instance a
 * channel's source is, whether it answers, whether others replicate from it), those reads are
 * {@link StatusFacts#TOPOLOGY} facts, and a status that changes one re-runs it on every instance.
 */
interface InstanceDetector extends Detector {

    /** The findings about instance {@code s} of the cluster, in the order {@link #detect(ClusterView)} lists them. */
    List<Finding> detect(ClusterView view, ReplicationStatus s);

    /** Whether an instance's findings read other instances' topology facts, beside its own status. */
    boolean readsCluster();

    /** Every instance's findings, instance after instance in the view's order. */
    @Override
    default List<Finding> detect(ClusterView view) {
        List<Finding> findings = List.of();
        for (ReplicationStatus s : view.instances()) {
            List<Finding> own = detect(view, s);
            if (!own.isEmpty()) {
                if (findings.isEmpty()) {
                    findings = new ArrayList<>(own.size());
                }
                findings.addAll(own);
            }
        }
        return findings;
    }

    /** One that reads, per instance, what {@code detect} reads. */
    static InstanceDetector of(String alertname, boolean readsCluster, PerStatus detect) {
        return new InstanceDetector() {
            @Override
            public String alertname() {
                return alertname;
            }

            @Override
            public List<Finding> detect(ClusterView view, ReplicationStatus s) {
                return detect.apply(view, s);
            }

            @Override
            public boolean readsCluster() {
                return readsCluster;
            }

            @Override
            public String toString() {
                return alertname;
            }
        };
    }

    /** The findings about one instance of a cluster. */
    interface PerStatus {
        List<Finding> apply(ClusterView view, ReplicationStatus s);
    }
}
