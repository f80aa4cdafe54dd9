package io.replsentinel.fleet;

import org.apache.kafka.common.utils.Utils;

import java.nio.charset.StandardCharsets;

/**
 * Where the producer's default partitioner puts a status keyed by a cluster: the same arithmetic,
 * so a node knows which clusters a status partition holds without waiting for a record of each.
 */
public final class StatusPartitioner {

    private StatusPartitioner() {
    }

    /** The partition, out of {@code partitions}, of records keyed by {@code cluster}. */
    public static int partition(String cluster, int partitions) {
        return Utils.toPositive(Utils.murmur2(cluster.getBytes(StandardCharsets.UTF_8))) % partitions;
    }
}
