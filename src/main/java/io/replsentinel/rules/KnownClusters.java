package io.replsentinel.rules;

/**
 * The one seam through which the rules engine asks whether a status's cluster is watched: statuses
 * of any other cluster are dead-lettered ({@code unknown_cluster}) rather than kept forever. Backed by
 * the inventory today; clusters added at run time answer here too once they are added.
 */
public interface KnownClusters {

    boolean contains(String cluster);

    /** The instances (host:port, as statuses name them) the cluster is defined with now; empty once it is removed. */
    java.util.Set<String> instances(String cluster);
}
