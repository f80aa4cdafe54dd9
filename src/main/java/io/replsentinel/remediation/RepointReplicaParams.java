package io.replsentinel.remediation;

/**
 * {@link CommandType#REPOINT_REPLICA}: point one channel at the cluster's observed primary with
 * GTID auto-positioning (MySQL {@code SOURCE_AUTO_POSITION=1}, MariaDB
 * {@code MASTER_USE_GTID=slave_pos}), keeping the replication user and password it has.
 *
 * @param fromHost   the source host it is configured with now
 * @param fromPort   its port
 * @param toInstance the primary's instance id
 * @param toHost     the host the replica is to connect to
 * @param toPort     its port
 */
public record RepointReplicaParams(Flavor flavor, String channel, String fromHost, int fromPort, String toInstance,
                                   String toHost, int toPort) implements CommandParams {

    public RepointReplicaParams {
        CommandParams.present("flavor", flavor);
        channel = CommandParams.channel(channel);
        CommandParams.required("fromHost", fromHost);
        CommandParams.instance("toInstance", toInstance);
        CommandParams.host("toHost", toHost);
        CommandParams.port("toPort", toPort);
        if (toHost.equals(fromHost) && toPort == fromPort) {
            throw new IllegalArgumentException("params.toHost:toPort is the source the channel has already ("
                    + toHost + ":" + toPort + ")");
        }
    }
}
