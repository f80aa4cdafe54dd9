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

/**
 * A MariaDB GTID position ({@code @@gtid_current_pos}, {@code @@gtid_slave_pos},
 * {@code @@gtid_binlog_pos}, {@code Gtid_IO_Pos}, {@code Gtid_Slave_Pos}): at most one GTID per
 * domain, the last one applied in it. The rules use it to tell how far a replica has got in each
 * domain.
 *
 * <p>A position says nothing about <em>which</em> transactions came before its GTIDs; comparing
 * positions ({@link #hasReached}, {@link #seqBehind}) therefore assumes both servers share one
 * history in each domain. Whether they do is what {@link MariaDbGtidState#foreignTo} checks.
 */
public final class MariaDbGtidPosition {

    private static final MariaDbGtidPosition EMPTY = new MariaDbGtidPosition(new TreeMap<>());

    private final SortedMap<Long, MariaDbGtid> byDomain;

    private MariaDbGtidPosition(SortedMap<Long, MariaDbGtid> byDomain) {
        this.byDomain = byDomain;
    }

    public static MariaDbGtidPosition empty() {
        return EMPTY;
    }

    /**
     * Reads a position as MariaDB prints it: {@code 0-11-6,1-12-3}, whitespace allowed around each
     * GTID; the empty (or blank) string is the empty position.
     *
     * @throws IllegalArgumentException naming the bad part, if a GTID is malformed or two GTIDs
     *                                  share a domain
     */
    public static MariaDbGtidPosition parse(String text) {
        return of(MariaDbGtidLists.parse(text, "MariaDB GTID position"));
    }

    /**
     * The position made of these GTIDs.
     *
     * @throws IllegalArgumentException if two of them share a domain
     */
    public static MariaDbGtidPosition of(Collection<MariaDbGtid> gtids) {
        SortedMap<Long, MariaDbGtid> map = new TreeMap<>();
        for (MariaDbGtid gtid : gtids) {
            MariaDbGtid before = map.putIfAbsent(gtid.domainId(), gtid);
            if (before != null) {
                throw new IllegalArgumentException("MariaDB GTID position has two GTIDs in domain "
                        + gtid.domainId() + ": '" + before + "' and '" + gtid + "'");
            }
        }
        return map.isEmpty() ? EMPTY : new MariaDbGtidPosition(Collections.unmodifiableSortedMap(map));
    }

    public static MariaDbGtidPosition of(MariaDbGtid... gtids) {
        return of(List.of(gtids));
    }

    /** The domains the position has a GTID in, ascending. */
    public SortedSet<Long> domains() {
        return Collections.unmodifiableSortedSet(new TreeSet<>(byDomain.keySet()));
    }

    /** The last GTID applied in {@code domainId}, if any. */
    public Optional<MariaDbGtid> get(long domainId) {
        return Optional.ofNullable(byDomain.get(domainId));
    }

    /** The GTIDs, one per domain, ascending by domain. */
    public List<MariaDbGtid> gtids() {
        return List.copyOf(byDomain.values());
    }

    public boolean isEmpty() {
        return byDomain.isEmpty();
    }

    /** This position with {@code gtid} as the last GTID of its domain, in place of any other. */
    public MariaDbGtidPosition with(MariaDbGtid gtid) {
        SortedMap<Long, MariaDbGtid> map = new TreeMap<>(byDomain);
        map.put(gtid.domainId(), gtid);
        return new MariaDbGtidPosition(Collections.unmodifiableSortedMap(map));
    }

    /**
     * Whether this position has got at least as far as {@code target} in every domain {@code
     * target} has: this position has the domain and either a higher sequence number, or the same
     * sequence number <em>and</em> server id (that is, the very same GTID). Domains only this
     * position has do not matter; an empty target is always reached.
     *
     * <p>The same sequence number from another server id is <em>not</em> reached: it is another
     * transaction at that point of the domain (an errant write, or two servers writing one domain),
     * so the histories have split. A higher sequence number is taken as "past it", which holds only
     * if both servers share the domain's history; check that with {@link
     * MariaDbGtidState#foreignTo}. Sequence numbers of different domains are never compared.
     */
    public boolean hasReached(MariaDbGtidPosition target) {
        for (MariaDbGtid wanted : target.byDomain.values()) {
            MariaDbGtid mine = byDomain.get(wanted.domainId());
            if (mine == null) {
                return false;
            }
            int c = mine.compareSeq(wanted);
            if (c < 0 || (c == 0 && mine.serverId() != wanted.serverId())) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether {@code other} has reached this position in every domain this one has: {@code
     * other.hasReached(this)}, under the same assumptions.
     */
    public boolean isContainedWithin(MariaDbGtidPosition other) {
        return other.hasReached(this);
    }

    /**
     * How many sequence numbers this position trails {@code ahead} by, summed over the domains of
     * {@code ahead} (a domain this position lacks counts from 0; a domain where this one is ahead
     * counts 0). It equals the number of transactions behind when each domain's sequence numbers
     * have no gaps, as with one writer per domain; it is an estimate otherwise. Capped at {@link
     * Long#MAX_VALUE}.
     */
    public long seqBehind(MariaDbGtidPosition ahead) {
        long total = 0;
        for (MariaDbGtid theirs : ahead.byDomain.values()) {
            MariaDbGtid mine = byDomain.get(theirs.domainId());
            long from = mine == null ? 0 : mine.seq();
            if (Long.compareUnsigned(theirs.seq(), from) > 0) {
                long gap = theirs.seq() - from;
                // An unsigned gap beyond Long.MAX_VALUE reads as negative here.
                total = IntervalLists.saturatedAdd(total, gap < 0 ? Long.MAX_VALUE : gap);
            }
        }
        return total;
    }

    /** MariaDB's form, ascending by domain: {@code 0-11-6,1-12-3}; empty position is {@code ""}. */
    @Override
    public String toString() {
        return MariaDbGtidLists.join(byDomain.values());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MariaDbGtidPosition other && byDomain.equals(other.byDomain);
    }

    @Override
    public int hashCode() {
        return Objects.hash(byDomain);
    }
}
