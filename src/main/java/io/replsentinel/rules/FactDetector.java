package io.replsentinel.rules;

import java.util.List;
import java.util.function.Function;

/**
 * A detector that compares the instances of a cluster with each other (shared ids, who is the
 * primary, settings and versions that differ) and reads of each status only the {@link #facts()}
 * it names. While its last run found nothing and was {@link #settled}, a status equal to its
 * instance's previous one in those facts cannot make it find anything, so the engine
 * ({@link ClusterFindings}) does not run it for that status. A run that found something is always
 * repeated: its findings carry each status's evidence.
 */
interface FactDetector extends Detector {

    /** The {@link StatusFacts} groups this detector reads, OR-ed. */
    int facts();

    /**
     * Whether the last {@link #detect} of this cluster decided on the facts alone: false while it
     * waits for polls to be taken in a usable order (ErrantTransactions' sources polled after the
     * replica), which a status with no changed fact can bring.
     */
    default boolean settled(ClusterView view) {
        return true;
    }

    /** One that reads the {@code facts} of each status, and detects as {@code detect}. */
    static FactDetector of(String alertname, int facts, Function<ClusterView, List<Finding>> detect) {
        return new FactDetector() {
            @Override
            public String alertname() {
                return alertname;
            }

            @Override
            public List<Finding> detect(ClusterView view) {
                return detect.apply(view);
            }

            @Override
            public int facts() {
                return facts;
            }

            @Override
            public String toString() {
                return alertname;
            }
        };
    }
}
