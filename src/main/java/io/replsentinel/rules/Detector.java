package io.replsentinel.rules;

import java.util.List;
import java.util.function.Function;

/** One entry of the {@link DetectorCatalogue}: looks at a cluster and says what is wrong in it. */
public interface Detector {

    /** The alert this detector raises; the same string in code, metrics, runbooks and routes. */
    String alertname();

    List<Finding> detect(ClusterView view);

    /** A detector from its alertname and a function of the cluster view. */
    static Detector of(String alertname, Function<ClusterView, List<Finding>> detect) {
        return new Detector() {
            @Override
            public String alertname() {
                return alertname;
            }

            @Override
            public List<Finding> detect(ClusterView view) {
                return detect.apply(view);
            }

            @Override
            public String toString() {
                return alertname;
            }
        };
    }
}
