package io.replsentinel.gtid;

import java.util.Comparator;
import java.util.Objects;

/**
 * One MariaDB GTID, {@code domain-server-seq} as MariaDB prints it ({@code 0-11-6}): the building
 * block of {@link MariaDbGtidPosition} and {@link MariaDbGtidState}.
 *
 * <p>MariaDB's parts are unsigned: domain id and server id 32-bit, sequence number 64-bit. The
 * sequence number is kept in a {@code long} with unsigned meaning: compare it with {@link
 * #compareSeq} (never with {@code <}) and read it with {@link #seqText}.
 *
 * @param domainId replication domain, 0..4294967295
 * @param serverId server id of the server that first wrote the transaction, 0..4294967295
 * @param seq      sequence number within the domain, unsigned 64-bit
 */
public record MariaDbGtid(long domainId, long serverId, long seq) implements Comparable<MariaDbGtid> {

    /** By domain, then server id, then sequence number: the order MariaDB values are printed in here. */
    public static final Comparator<MariaDbGtid> CANONICAL_ORDER = Comparator
            .comparingLong(MariaDbGtid::domainId)
            .thenComparingLong(MariaDbGtid::serverId)
            .thenComparing(MariaDbGtid::seq, Long::compareUnsigned);

    static final long MAX_UINT32 = 0xFFFF_FFFFL;

    public MariaDbGtid {
        checkUint32("domain id", domainId);
        checkUint32("server id", serverId);
    }

    /**
     * Reads {@code domain-server-seq}, with whitespace around it allowed.
     *
     * @throws IllegalArgumentException naming the text, if it is not a MariaDB GTID
     */
    public static MariaDbGtid parse(String text) {
        Objects.requireNonNull(text, "MariaDB GTID text");
        String gtid = text.strip();
        String[] parts = gtid.split("-", -1);
        if (parts.length != 3) {
            throw new IllegalArgumentException("bad MariaDB GTID '" + gtid + "': expected domain-server-seq");
        }
        long domain = parseUnsigned(parts[0], "domain id", gtid, true);
        long server = parseUnsigned(parts[1], "server id", gtid, true);
        long seq = parseUnsigned(parts[2], "sequence number", gtid, false);
        return new MariaDbGtid(domain, server, seq);
    }

    /** Compares the sequence numbers as unsigned: negative if this one's is lower. */
    public int compareSeq(MariaDbGtid other) {
        return Long.compareUnsigned(seq, other.seq);
    }

    /** The sequence number as MariaDB prints it (unsigned). */
    public String seqText() {
        return Long.toUnsignedString(seq);
    }

    @Override
    public int compareTo(MariaDbGtid o) {
        return CANONICAL_ORDER.compare(this, o);
    }

    @Override
    public String toString() {
        return domainId + "-" + serverId + "-" + seqText();
    }

    private static long parseUnsigned(String digits, String what, String gtid, boolean uint32) {
        // parseUnsignedLong accepts a leading '+', which MariaDB never prints.
        if (digits.isEmpty() || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IllegalArgumentException("bad " + what + " '" + digits + "' in MariaDB GTID '" + gtid + "'");
        }
        try {
            long value = Long.parseUnsignedLong(digits);
            if (uint32 && value > MAX_UINT32) {
                throw new NumberFormatException();
            }
            return value;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    what + " '" + digits + "' out of range in MariaDB GTID '" + gtid + "'", e);
        }
    }

    private static void checkUint32(String what, long value) {
        if (value < 0 || value > MAX_UINT32) {
            throw new IllegalArgumentException("MariaDB " + what + " must be 0.." + MAX_UINT32 + ", got " + value);
        }
    }
}
