package io.replsentinel.rules;

import java.util.List;

/** One entry of the {@link DetectorCatalogue}: looks at a cluster and says what is wrong in it. */
public interface Detector {

    /** The alert this detector raises; the same string in code, metrics, runbooks and routes. */
    String alertname();

    List<Finding> detect(ClusterView view);
}
