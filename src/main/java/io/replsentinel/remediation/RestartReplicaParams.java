package io.replsentinel.remediation;

/**
 * {@link CommandType#RESTART_REPLICA}: stop and start replication of one channel whose receiver
 * stays {@code Connecting} although its source answers again.
 *
 * @param channel the channel (MySQL) or connection name (MariaDB); empty for the default one
 * @param source  the instance it replicates from, answering the poller when proposed
 */
public record RestartReplicaParams(Flavor flavor, String channel, String source) implements CommandParams {

    public RestartReplicaParams {
        CommandParams.present("flavor", flavor);
        channel = CommandParams.channel(channel);
        CommandParams.instance("source", source);
    }
}
