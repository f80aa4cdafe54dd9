package io.replsentinel.remediation;

/**
 * {@link CommandType#START_REPLICA_IO_THREAD}: start the receiver of one channel again after a
 * transient network error stopped it.
 *
 * @param channel     the channel (MySQL) or connection name (MariaDB); empty for the default one
 * @param lastIoErrno the error the receiver stopped on, for review
 */
public record StartReplicaIoThreadParams(Flavor flavor, String channel, int lastIoErrno) implements CommandParams {

    public StartReplicaIoThreadParams {
        CommandParams.present("flavor", flavor);
        channel = CommandParams.channel(channel);
    }
}
