package io.replsentinel.gtid;

import java.util.Collection;
import java.util.Objects;
import java.util.Set;

/**
 * The transactions a replica has that its source never had (errant transactions), for either
 * flavor: the one place the rules ask "did someone write on this replica?". They are silent on the
 * replica itself (MySQL, and MariaDB with {@code gtid_strict_mode} OFF) and break the next
 * failover to it, or any replica that must then fetch them from a source that purged them.
 *
 * <p>Both factories expect the source's GTID data to be read <em>after</em> the replica's: a
 * source read earlier lacks transactions the replica has applied since, which would look errant.
 * See {@link MariaDbGtidState#foreignTo} for the further guarantees MariaDB needs.
 */
public sealed interface ErrantTransactions permits ErrantTransactions.MySql, ErrantTransactions.MariaDb {

    /** Whether the replica has no errant transaction. */
    boolean isEmpty();

    /** The errant GTIDs in the server's own text form, {@code ""} when there are none. */
    @Override
    String toString();

    /**
     * MySQL: the transactions of the replica's {@code gtid_executed} that the source's lacks, that
     * is {@code GTID_SUBTRACT(replica, source)}, without those of {@code allowedUuids}.
     *
     * @param allowedUuids server uuids whose transactions on the replica are intended local writes
     *                     (any case); all their groups, tagged or not, are left out
     */
    static MySql mysql(MySqlGtidSet replicaExecuted, MySqlGtidSet sourceExecuted, Collection<String> allowedUuids) {
        return new MySql(replicaExecuted.subtract(sourceExecuted).withoutUuids(allowedUuids));
    }

    static MySql mysql(MySqlGtidSet replicaExecuted, MySqlGtidSet sourceExecuted) {
        return mysql(replicaExecuted, sourceExecuted, Set.of());
    }

    /**
     * MariaDB: the GTIDs of the replica's {@code gtid_binlog_state} that the source's binlog state
     * cannot account for ({@link MariaDbGtidState#foreignTo}), without those of {@code
     * allowedDomainIds} or {@code allowedServerIds}.
     *
     * @param allowedDomainIds domains written on purpose apart from this source (a local-only
     *                         domain, another source of a multi-source replica)
     * @param allowedServerIds server ids whose writes on the replica are intended
     */
    static MariaDb mariaDb(MariaDbGtidState replicaBinlogState, MariaDbGtidState sourceBinlogState,
            Collection<Long> allowedDomainIds, Collection<Long> allowedServerIds) {
        Set<Long> domains = Set.copyOf(allowedDomainIds);
        Set<Long> servers = Set.copyOf(allowedServerIds);
        return new MariaDb(replicaBinlogState.foreignTo(sourceBinlogState)
                .filter(g -> !domains.contains(g.domainId()) && !servers.contains(g.serverId())));
    }

    static MariaDb mariaDb(MariaDbGtidState replicaBinlogState, MariaDbGtidState sourceBinlogState) {
        return mariaDb(replicaBinlogState, sourceBinlogState, Set.of(), Set.of());
    }

    /**
     * Errant transactions of a MySQL replica.
     *
     * @param gtids the errant set; {@code toString()} is what MySQL accepts back, e.g. to inspect
     *              them with {@code mysqlbinlog --include-gtids}
     */
    record MySql(MySqlGtidSet gtids) implements ErrantTransactions {
        public MySql {
            Objects.requireNonNull(gtids, "gtids");
        }

        @Override
        public boolean isEmpty() {
            return gtids.isEmpty();
        }

        /** How many errant transactions. */
        public long count() {
            return gtids.count();
        }

        @Override
        public String toString() {
            return gtids.toString();
        }
    }

    /**
     * Errant transactions of a MariaDB replica: for each offending (domain, server id) pair, the
     * last GTID of it in the replica's binlog state (the binlog state does not say how many).
     *
     * @param gtids the offending GTIDs
     */
    record MariaDb(MariaDbGtidState gtids) implements ErrantTransactions {
        public MariaDb {
            Objects.requireNonNull(gtids, "gtids");
        }

        @Override
        public boolean isEmpty() {
            return gtids.isEmpty();
        }

        @Override
        public String toString() {
            return gtids.toString();
        }
    }
}
