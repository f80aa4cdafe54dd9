package io.replsentinel.remediation;

import io.replsentinel.remediation.CommandParams.Flavor;

import java.util.List;

import static io.replsentinel.remediation.CommandSql.byHand;
import static io.replsentinel.remediation.CommandSql.forChannel;
import static io.replsentinel.remediation.CommandSql.host;
import static io.replsentinel.remediation.CommandSql.literal;
import static io.replsentinel.remediation.CommandSql.on;
import static io.replsentinel.remediation.CommandSql.port;

/**
 * The REBUILD_REPLICA runbook: MySQL re-clones the replica from the donor with the CLONE plugin
 * (the recipient's data is replaced and it restarts); MariaDB copies a prepared mariadb-backup of
 * the donor into the stopped replica's data directory and starts replication at the backup's GTID
 * position. Placeholders in angle brackets are the operator's (passwords never leave their hands).
 */
final class RebuildRunbook {

    private RebuildRunbook() {
    }

    static List<SqlStatement> of(String replica, RebuildReplicaParams p) {
        return p.flavor() == Flavor.mysql ? mysql(replica, p) : mariadb(replica, p);
    }

    private static List<SqlStatement> mysql(String replica, RebuildReplicaParams p) {
        String donor = p.donor();
        return List.of(
                on(replica, "STOP REPLICA"),
                on(donor, "INSTALL PLUGIN clone SONAME 'mysql_clone.so'"),
                byHand("On " + donor + ": the clone account needs BACKUP_ADMIN (GRANT BACKUP_ADMIN ON *.* TO <clone user>); "
                        + "on " + replica + ": CLONE_ADMIN. Error 1125 from INSTALL PLUGIN means it is installed already"),
                // super_read_only refuses INSTALL PLUGIN; the clone replaces the replica's data anyway
                on(replica, "SET GLOBAL super_read_only = OFF"),
                on(replica, "INSTALL PLUGIN clone SONAME 'mysql_clone.so'"),
                on(replica, "SET GLOBAL clone_valid_donor_list = " + literal(donor)),
                on(replica, "CLONE INSTANCE FROM '<clone user>'@" + literal(host(donor)) + ":" + port(donor)
                        + " IDENTIFIED BY '<clone password>'"),
                byHand("The replica restarts by itself once the clone is in (without a supervisor such as systemd it "
                        + "stops: start it again); its gtid_executed is then the donor's"),
                on(replica, "CHANGE REPLICATION SOURCE TO SOURCE_HOST = " + literal(host(donor)) + ", SOURCE_PORT = "
                        + port(donor) + ", SOURCE_AUTO_POSITION = 1" + forChannel(p.channel())),
                on(replica, "START REPLICA" + forChannel(p.channel())),
                on(replica, "SET GLOBAL super_read_only = ON"));
    }

    private static List<SqlStatement> mariadb(String replica, RebuildReplicaParams p) {
        String donor = p.donor();
        String conn = p.channel().isEmpty() ? "" : " " + literal(p.channel());
        return List.of(
                on(replica, "STOP ALL REPLICAS"),
                byHand("On " + host(donor) + ": mariadb-backup --backup --target-dir=/var/backups/rebuild --host="
                        + host(donor) + " --port=" + port(donor) + " --user=<backup user> --password=<password>"),
                byHand("On " + host(donor) + ": mariadb-backup --prepare --target-dir=/var/backups/rebuild"),
                byHand("On " + host(replica) + ": stop mariadbd, move its data directory aside, copy /var/backups/rebuild "
                        + "over, mariadb-backup --copy-back --target-dir=/var/backups/rebuild, chown -R mysql: the data "
                        + "directory, start mariadbd"),
                byHand("Read the GTID position from /var/backups/rebuild/mariadb_backup_binlog_info (third column)"),
                on(replica, "SET GLOBAL gtid_slave_pos = '<GTID position from mariadb_backup_binlog_info>'"),
                on(replica, "CHANGE MASTER" + conn + " TO MASTER_HOST = " + literal(host(donor)) + ", MASTER_PORT = "
                        + port(donor) + ", MASTER_USE_GTID = slave_pos"),
                on(replica, "START REPLICA" + conn));
    }
}
