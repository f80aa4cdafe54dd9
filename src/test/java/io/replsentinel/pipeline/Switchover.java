package io.replsentinel.pipeline;

import io.replsentinel.lab.DbServer;
import io.replsentinel.lab.Flavor;
import io.replsentinel.lab.Topology;

import java.util.ArrayList;
import java.util.List;

/**
 * A planned switchover on a lab topology, the way an operator does it: stop writes on the old
 * primary, let everyone catch up, promote a replica, repoint the other replicas at it, demote the old
 * primary to a replica of it, then open writes on the new primary.
 */
final class Switchover {

    private Switchover() {
    }

    static void run(Topology t, DbServer from, DbServer to, List<DbServer> others) {
        boolean mysql = t.flavor() == Flavor.MYSQL;
        from.exec(mysql ? "SET GLOBAL super_read_only = ON" : "SET GLOBAL read_only = ON");
        String position = from.gtidPosition();
        List<DbServer> followers = new ArrayList<>(others);
        followers.add(0, to);
        for (DbServer r : followers) {
            String done = r.scalar(mysql ? "SELECT WAIT_FOR_EXECUTED_GTID_SET('" + position + "', 30)"
                    : "SELECT MASTER_GTID_WAIT('" + position + "', 30)");
            if (!"0".equals(done)) {
                throw new IllegalStateException(r + " did not catch up with " + position + " before the switchover");
            }
        }
        t.stopReplication(to);
        to.exec(mysql ? "RESET REPLICA ALL" : "RESET SLAVE ALL");
        for (DbServer r : others) {
            t.changeSource(r, to, Topology.REPL_USER, Topology.REPL_PASSWORD);
        }
        demote(from, to, mysql);
        to.exec(mysql ? new String[] {"SET GLOBAL super_read_only = OFF", "SET GLOBAL read_only = OFF"}
                : new String[] {"SET GLOBAL read_only = OFF"});
    }

    /** The old primary becomes a replica of the new one, from where its own history ends. */
    private static void demote(DbServer from, DbServer to, boolean mysql) {
        if (mysql) {
            from.exec("CHANGE REPLICATION SOURCE TO SOURCE_HOST='" + to.host() + "', SOURCE_PORT=" + to.port()
                    + ", SOURCE_USER='" + Topology.REPL_USER + "', SOURCE_PASSWORD='" + Topology.REPL_PASSWORD + "'"
                    + ", SOURCE_AUTO_POSITION=1, GET_SOURCE_PUBLIC_KEY=1, SOURCE_CONNECT_RETRY=2, SOURCE_HEARTBEAT_PERIOD=1",
                    "START REPLICA");
        } else {
            // a server that never replicated has an empty gtid_slave_pos: start from what it has written
            from.exec("SET GLOBAL gtid_slave_pos = @@GLOBAL.gtid_binlog_pos",
                    "CHANGE MASTER TO MASTER_HOST='" + to.host() + "', MASTER_PORT=" + to.port()
                            + ", MASTER_USER='" + Topology.REPL_USER + "', MASTER_PASSWORD='" + Topology.REPL_PASSWORD + "'"
                            + ", MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=2, MASTER_HEARTBEAT_PERIOD=1",
                    "START SLAVE");
        }
    }
}
