package io.replsentinel.gtid;

/**
 * A closed range {@code first..last} of MySQL transaction numbers of one source (and tag), as
 * printed inside a GTID set: {@code 1-5}, or {@code 7} when it holds one transaction.
 *
 * @param first the first transaction number, at least 1
 * @param last  the last transaction number, at least {@code first}
 */
public record GtidInterval(long first, long last) implements Comparable<GtidInterval> {

    public GtidInterval {
        if (first < 1) {
            throw new IllegalArgumentException("GTID interval must start at 1 or more, got " + first);
        }
        if (last < first) {
            throw new IllegalArgumentException("GTID interval end " + last + " is before its start " + first);
        }
    }

    /** The interval holding the one transaction {@code number}. */
    public static GtidInterval of(long number) {
        return new GtidInterval(number, number);
    }

    /** How many transactions the interval holds. */
    public long count() {
        // first >= 1, so the difference cannot overflow.
        return last - first + 1;
    }

    public boolean contains(long number) {
        return number >= first && number <= last;
    }

    @Override
    public int compareTo(GtidInterval o) {
        int c = Long.compare(first, o.first);
        return c != 0 ? c : Long.compare(last, o.last);
    }

    /** MySQL's form: {@code 1-5}, or {@code 7} for a single transaction. */
    @Override
    public String toString() {
        return first == last ? Long.toString(first) : first + "-" + last;
    }
}
