package io.replsentinel.gtid;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Set algebra on lists of {@link GtidInterval}s that are sorted, disjoint and not adjacent (the
 * normal form every {@link MySqlGtidSet} keeps), so that equal sets have equal lists.
 */
final class IntervalLists {

    private IntervalLists() {
    }

    /** The normal form of any intervals: sorted, overlapping and adjacent ones merged. */
    static List<GtidInterval> normalise(Collection<GtidInterval> intervals) {
        List<GtidInterval> sorted = new ArrayList<>(intervals);
        sorted.sort(null);
        List<GtidInterval> out = new ArrayList<>(sorted.size());
        for (GtidInterval next : sorted) {
            int lastIndex = out.size() - 1;
            // next.first >= 1, so next.first - 1 cannot underflow; this also merges 1-5 with 6-9.
            if (lastIndex >= 0 && next.first() - 1 <= out.get(lastIndex).last()) {
                GtidInterval cur = out.get(lastIndex);
                out.set(lastIndex, new GtidInterval(cur.first(), Math.max(cur.last(), next.last())));
            } else {
                out.add(next);
            }
        }
        return List.copyOf(out);
    }

    static List<GtidInterval> union(List<GtidInterval> a, List<GtidInterval> b) {
        List<GtidInterval> all = new ArrayList<>(a.size() + b.size());
        all.addAll(a);
        all.addAll(b);
        return normalise(all);
    }

    static List<GtidInterval> subtract(List<GtidInterval> a, List<GtidInterval> b) {
        List<GtidInterval> out = new ArrayList<>();
        int j = 0;
        for (GtidInterval x : a) {
            long from = x.first();
            // Intervals of b wholly before x cannot touch x or any later interval of a.
            while (j < b.size() && b.get(j).last() < from) {
                j++;
            }
            int k = j;
            boolean consumed = false;
            while (k < b.size() && b.get(k).first() <= x.last()) {
                GtidInterval cut = b.get(k);
                if (cut.first() > from) {
                    out.add(new GtidInterval(from, cut.first() - 1));
                }
                if (cut.last() >= x.last()) {
                    consumed = true;
                    break;
                }
                from = cut.last() + 1;
                k++;
            }
            if (!consumed) {
                out.add(new GtidInterval(from, x.last()));
            }
        }
        return List.copyOf(out);
    }

    static List<GtidInterval> intersect(List<GtidInterval> a, List<GtidInterval> b) {
        List<GtidInterval> out = new ArrayList<>();
        int i = 0;
        int j = 0;
        while (i < a.size() && j < b.size()) {
            GtidInterval x = a.get(i);
            GtidInterval y = b.get(j);
            long from = Math.max(x.first(), y.first());
            long to = Math.min(x.last(), y.last());
            if (from <= to) {
                out.add(new GtidInterval(from, to));
            }
            if (x.last() < y.last()) {
                i++;
            } else {
                j++;
            }
        }
        return List.copyOf(out);
    }

    static long count(List<GtidInterval> intervals) {
        long n = 0;
        for (GtidInterval i : intervals) {
            n = saturatedAdd(n, i.count());
        }
        return n;
    }

    static long saturatedAdd(long a, long b) {
        long sum = a + b;
        return sum < 0 ? Long.MAX_VALUE : sum;
    }
}
