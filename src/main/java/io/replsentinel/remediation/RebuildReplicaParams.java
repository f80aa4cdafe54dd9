package io.replsentinel.remediation;

/**
 * {@link CommandType#REBUILD_REPLICA}: re-clone the replica from a donor, as manual runbook steps
 * (MySQL: the CLONE plugin; MariaDB: mariadb-backup), for damage no statement can repair.
 *
 * @param donor  the instance to copy from (the replica's source, else the cluster's primary)
 * @param why    what makes it beyond repair (purged binary logs, divergence past the resync limit)
 */
public record RebuildReplicaParams(Flavor flavor, String channel, String donor, String why) implements CommandParams {

    public RebuildReplicaParams {
        CommandParams.present("flavor", flavor);
        channel = CommandParams.channel(channel);
        CommandParams.instance("donor", donor);
        CommandParams.required("why", why);
    }
}
