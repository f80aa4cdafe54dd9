package io.replsentinel.gtid;

import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * A MariaDB binlog state ({@code @@gtid_binlog_state}): the last GTID written to the binlog for
 * each (domain, server id) pair. Unlike a {@link MariaDbGtidPosition} it keeps a trace of every
 * server that ever wrote to a domain, which is how an errant write on a replica shows on MariaDB:
 * as a pair its source never had ({@link #foreignTo}).
 *
 * <p>Printed sorted by domain then server id. MariaDB itself lists the domain's most recent GTID
 * last, and {@code SET GLOBAL gtid_binlog_state} reads that order; when two servers hold the same
 * sequence number in a domain, the sorted form loses which was the most recent. Use {@link
 * #toString} to show and compare states, not to write one back to a server.
 */
public final class MariaDbGtidState {

    private static final MariaDbGtidState EMPTY = new MariaDbGtidState(new TreeMap<>());

    private final SortedMap<Pair, MariaDbGtid> byPair;

    private MariaDbGtidState(SortedMap<Pair, MariaDbGtid> byPair) {
        this.byPair = byPair;
    }

    public static MariaDbGtidState empty() {
        return EMPTY;
    }

    /**
     * Reads a binlog state as MariaDB prints it: {@code 0-12-6,0-11-6}, in any order, whitespace
     * allowed around each GTID; the empty (or blank) string is the empty state.
     *
     * @throws IllegalArgumentException naming the bad part, if a GTID is malformed or two GTIDs
     *                                  share a (domain, server id) pair
     */
    public static MariaDbGtidState parse(String text) {
        return of(MariaDbGtidLists.parse(text, "MariaDB binlog state"));
    }

    /**
     * The state made of these GTIDs.
     *
     * @throws IllegalArgumentException if two of them share a (domain, server id) pair
     */
    public static MariaDbGtidState of(Collection<MariaDbGtid> gtids) {
        SortedMap<Pair, MariaDbGtid> map = new TreeMap<>();
        for (MariaDbGtid gtid : gtids) {
            MariaDbGtid before = map.putIfAbsent(Pair.of(gtid), gtid);
            if (before != null) {
                throw new IllegalArgumentException("MariaDB binlog state has two GTIDs for domain "
                        + gtid.domainId() + " server " + gtid.serverId() + ": '" + before + "' and '" + gtid + "'");
            }
        }
        return map.isEmpty() ? EMPTY : new MariaDbGtidState(Collections.unmodifiableSortedMap(map));
    }

    public static MariaDbGtidState of(MariaDbGtid... gtids) {
        return of(List.of(gtids));
    }

    /** The domains with at least one GTID, ascending. */
    public SortedSet<Long> domains() {
        return byPair.keySet().stream().map(Pair::domainId)
                .collect(Collectors.toCollection(TreeSet::new));
    }

    /** The server ids that wrote to any domain, ascending. */
    public SortedSet<Long> serverIds() {
        return byPair.keySet().stream().map(Pair::serverId)
                .collect(Collectors.toCollection(TreeSet::new));
    }

    /** The last GTID of each server id that wrote to {@code domainId}, ascending by server id. */
    public List<MariaDbGtid> get(long domainId) {
        return byPair.values().stream().filter(g -> g.domainId() == domainId).toList();
    }

    /** The last GTID {@code serverId} wrote to {@code domainId}, if any. */
    public Optional<MariaDbGtid> get(long domainId, long serverId) {
        return Optional.ofNullable(byPair.get(new Pair(domainId, serverId)));
    }

    /** All GTIDs, ascending by domain then server id. */
    public List<MariaDbGtid> gtids() {
        return List.copyOf(byPair.values());
    }

    public boolean isEmpty() {
        return byPair.isEmpty();
    }

    /** The GTIDs of this state that {@code keep} accepts. */
    public MariaDbGtidState filter(Predicate<MariaDbGtid> keep) {
        return of(byPair.values().stream().filter(keep).toList());
    }

    /**
     * The GTIDs of this (a replica's) binlog state that {@code source}'s binlog state cannot
     * account for: those whose (domain, server id) pair the source lacks, or whose sequence number
     * is higher than the source's last one for that pair. On MariaDB these are the errant
     * transactions: with {@code gtid_strict_mode} OFF nothing else reports them. Empty means none.
     *
     * <p>Example (captured): source {@code 0-11-6}, replica {@code 0-11-5,0-13-6}: foreign {@code
     * 0-13-6}; the replica's {@code 0-11-5} is only behind.
     *
     * <p>The answer has no false alarms only if the caller guarantees that:
     * <ol>
     *   <li>{@code source} was read <em>after</em> this state. The source's own pairs (and those it
     *   relays) advance on the source first; a source state read earlier may lack a GTID the
     *   replica has applied since, which would look foreign.</li>
     *   <li>{@code source} is the server this replica replicates from, not a sibling, and it has
     *   {@code log_slave_updates} ON when it is itself a replica; otherwise the pairs of servers
     *   upstream of it are missing from its binlog state.</li>
     *   <li>The source's binlog state still covers the history the replica carries: not reset
     *   ({@code RESET MASTER}, a rebuild from a backup without restoring {@code gtid_binlog_state})
     *   nor trimmed ({@code FLUSH BINARY LOGS DELETE_DOMAIN_ID}) since; pairs of retired servers are
     *   foreign after such a reset.</li>
     *   <li>Pairs written on purpose on the replica (a local-only domain, a second source of a
     *   multi-source replica, a server id filtered with {@code IGNORE_SERVER_IDS}) are removed by
     *   the caller, see {@link ErrantTransactions#mariaDb}.</li>
     * </ol>
     */
    public MariaDbGtidState foreignTo(MariaDbGtidState source) {
        return filter(mine -> {
            MariaDbGtid theirs = source.byPair.get(Pair.of(mine));
            return theirs == null || mine.compareSeq(theirs) > 0;
        });
    }

    /**
     * Whether {@code other} accounts for every GTID of this state: {@code foreignTo(other)} is
     * empty, under the same guarantees.
     */
    public boolean isContainedWithin(MariaDbGtidState other) {
        return foreignTo(other).isEmpty();
    }

    /** Sorted by domain then server id: {@code 0-11-5,0-13-6}; the empty state is {@code ""}. */
    @Override
    public String toString() {
        return MariaDbGtidLists.join(byPair.values());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MariaDbGtidState other && byPair.equals(other.byPair);
    }

    @Override
    public int hashCode() {
        return Objects.hash(byPair);
    }

    private record Pair(long domainId, long serverId) implements Comparable<Pair> {
        static Pair of(MariaDbGtid gtid) {
            return new Pair(gtid.domainId(), gtid.serverId());
        }

        @Override
        public int compareTo(Pair o) {
            int c = Long.compare(domainId, o.domainId);
            return c != 0 ? c : Long.compare(serverId, o.serverId);
        }
    }
}
