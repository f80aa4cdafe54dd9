package io.replsentinel.rules;

import io.replsentinel.event.ReplicationStatus;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The detectors' findings of one cluster as of its last evaluation, and the evaluation of a new
 * status that runs only what the status can change: an {@link InstanceDetector} runs for the
 * instance the status is about (for every instance when a topology fact changed); a
 * {@link FactDetector} runs when a fact it reads changed, or when its last run found something or
 * waited on poll order; any other detector (the stream and data-checker ones, user rules) runs every
 * time. The findings are the ones running the whole catalogue over the view gives, in the same
 * order: kept findings were made from the very statuses the view still holds. Anything folded in
 * besides statuses (binlog stream, data checker), a view that just warmed up, and the first
 * evaluation run everything. Guarded by the cluster's monitor, as the view is.
 */
final class ClusterFindings {

    /**
     * The catalogue sorted by kind once, for every cluster: each status walks it, and a type test and
     * an interface call per detector cost more there than the detectors that have nothing to do.
     */
    static final class Catalogue {
        final List<Detector> detectors;
        /** Per detector: the instance detector it is, else null. */
        final InstanceDetector[] perInstance;
        /** Per detector: the fact detector it is, else null. */
        final FactDetector[] cross;
        /** Per instance detector: whether it reads the rest of the cluster; per fact detector: its facts. */
        final boolean[] readsCluster;
        final int[] facts;

        Catalogue(List<Detector> detectors) {
            this.detectors = List.copyOf(detectors);
            int n = this.detectors.size();
            perInstance = new InstanceDetector[n];
            cross = new FactDetector[n];
            readsCluster = new boolean[n];
            facts = new int[n];
            for (int i = 0; i < n; i++) {
                Detector d = this.detectors.get(i);
                if (d instanceof InstanceDetector p) {
                    perInstance[i] = p;
                    readsCluster[i] = p.readsCluster();
                } else if (d instanceof FactDetector f) {
                    cross[i] = f;
                    facts[i] = f.facts();
                }
            }
        }
    }

    private final Catalogue catalogue;
    /** Per detector that is not an {@link InstanceDetector}: what its last run found. */
    private final List<Finding>[] found;
    /** Per {@link FactDetector}: whether its last run waited on poll order. */
    private final boolean[] unsettled;
    /** Per instance, per {@link InstanceDetector}: what its last run on that instance found. */
    private final Map<String, List<Finding>[]> byInstance = new HashMap<>();
    private boolean primed;
    /** What {@link #collect} returned last, and whether a detector's findings have changed since. */
    private List<Finding> collected = List.of();
    private boolean dirty = true;
    private boolean warm;
    private long inputRevision;

    ClusterFindings(List<Detector> detectors) {
        this(new Catalogue(detectors));
    }

    @SuppressWarnings("unchecked")
    ClusterFindings(Catalogue catalogue) {
        this.catalogue = catalogue;
        this.found = new List[catalogue.detectors.size()];
        this.unsettled = new boolean[catalogue.detectors.size()];
        java.util.Arrays.fill(found, List.of());
    }

    /** Everything again: after a binlog or data-checker record, or with no status to go by. */
    List<Finding> evaluateAll(ClusterView view) {
        return evaluate(view, null, null);
    }

    /**
     * The findings once {@code status} has replaced {@code previous} (null when its instance is new)
     * in {@code view}.
     */
    List<Finding> evaluate(ClusterView view, ReplicationStatus previous, ReplicationStatus status) {
        boolean everything = status == null || !primed || warm != view.warm() || inputRevision != view.inputRevision()
                || byInstance.size() != view.instances().size();
        primed = false; // until this evaluation completes: a detector that throws leaves the kept findings behind the view
        int changed = everything ? StatusFacts.ALL : StatusFacts.changed(previous, status);
        dirty |= everything;
        boolean topology = (changed & StatusFacts.TOPOLOGY) != 0;
        List<Finding>[] own = everything ? null : slots(status);
        for (int i = 0; i < catalogue.detectors.size(); i++) {
            InstanceDetector perInstance = catalogue.perInstance[i];
            FactDetector cross = catalogue.cross[i];
            if (perInstance != null) {
                if (everything || (topology && catalogue.readsCluster[i])) {
                    for (ReplicationStatus s : view.instances()) {
                        keep(slots(s), i, perInstance.detect(view, s));
                    }
                } else {
                    keep(own, i, perInstance.detect(view, status));
                }
            } else if (cross != null) {
                if (everything || (changed & catalogue.facts[i]) != 0 || !found[i].isEmpty() || unsettled[i]) {
                    keep(found, i, cross.detect(view));
                    unsettled[i] = !cross.settled(view);
                }
            } else {
                keep(found, i, catalogue.detectors.get(i).detect(view));
            }
        }
        primed = true;
        warm = view.warm();
        inputRevision = view.inputRevision();
        if (dirty) {
            collected = collect(view);
            dirty = false;
        }
        return collected;
    }

    /**
     * Keeps a detector's findings; only a change (anything but nothing again) makes the cluster's
     * findings be collected again: most statuses find what the previous one found, nothing.
     */
    private void keep(List<Finding>[] slots, int i, List<Finding> findings) {
        List<Finding> was = slots[i];
        if (findings != was && !(findings.isEmpty() && was.isEmpty())) {
            dirty = true;
        }
        slots[i] = findings;
    }

    /** The findings in catalogue order, each instance detector's instance after instance in the view's order. */
    private List<Finding> collect(ClusterView view) {
        List<Finding> findings = null;
        for (int i = 0; i < catalogue.detectors.size(); i++) {
            if (catalogue.perInstance[i] != null) {
                for (ReplicationStatus s : view.instances()) {
                    List<Finding> own = byInstance.get(s.instance())[i];
                    if (!own.isEmpty()) {
                        findings = add(findings, own);
                    }
                }
            } else if (!found[i].isEmpty()) {
                findings = add(findings, found[i]);
            }
        }
        return findings == null ? List.of() : java.util.Collections.unmodifiableList(findings);
    }

    private static List<Finding> add(List<Finding> findings, List<Finding> more) {
        List<Finding> f = findings == null ? new ArrayList<>() : findings;
        f.addAll(more);
        return f;
    }

    @SuppressWarnings("unchecked")
    private List<Finding>[] slots(ReplicationStatus s) {
        List<Finding>[] slots = byInstance.get(s.instance());
        if (slots == null) {
            slots = new List[catalogue.detectors.size()];
            java.util.Arrays.fill(slots, List.of());
            byInstance.put(s.instance(), slots);
        }
        return slots;
    }
}
