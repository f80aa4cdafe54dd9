package io.replsentinel.remediation;

import java.util.List;

/**
 * {@link CommandType#SET_SERVER_ID}: give the instance a server_id no other member of its topology,
 * no instance of the fleet and no binlog listener uses (from the allocator). MySQL persists it with
 * {@code SET PERSIST}; MariaDB has no persisted variables, so {@code optionFileLine} names the line
 * to change by hand, or the id is lost on restart.
 *
 * @param currentServerId the id it shares now
 * @param newServerId     the allocated id
 * @param sharedWith      the instances that keep {@code currentServerId}
 * @param optionFile      MariaDB: the option file to change ({@code sentinel.remediation.mariadb-option-file}); null on MySQL
 * @param optionFileLine  MariaDB: the {@code [mariadbd]} option-file line to write; null on MySQL
 */
public record SetServerIdParams(Flavor flavor, long currentServerId, long newServerId, List<String> sharedWith,
                                String optionFile, String optionFileLine) implements CommandParams {

    public SetServerIdParams {
        CommandParams.present("flavor", flavor);
        CommandParams.serverId("currentServerId", currentServerId);
        CommandParams.serverId("newServerId", newServerId);
        if (newServerId == currentServerId) {
            throw new IllegalArgumentException("params.newServerId must differ from params.currentServerId ("
                    + currentServerId + ")");
        }
        sharedWith = sharedWith == null ? List.of() : List.copyOf(sharedWith);
        sharedWith.forEach(i -> CommandParams.instance("sharedWith", i));
        if (flavor == Flavor.mariadb && !("server_id=" + newServerId).equals(optionFileLine)) {
            throw new IllegalArgumentException("params.optionFileLine must be 'server_id=" + newServerId
                    + "' on MariaDB (SET GLOBAL alone is lost on restart)");
        }
        if (flavor == Flavor.mariadb) {
            CommandParams.required("optionFile", optionFile);
        }
        if (flavor == Flavor.mysql && (optionFileLine != null || optionFile != null)) {
            throw new IllegalArgumentException("params.optionFile and optionFileLine are for MariaDB only: MySQL persists the id with SET PERSIST");
        }
    }

    /** The option-file line that keeps the id across restarts on MariaDB. */
    public static String optionFileLine(long serverId) {
        return "server_id=" + serverId;
    }
}
