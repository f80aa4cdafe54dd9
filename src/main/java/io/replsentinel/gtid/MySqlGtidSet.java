package io.replsentinel.gtid;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.BinaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A MySQL GTID set ({@code @@gtid_executed}, {@code Executed_Gtid_Set}, {@code gtid_purged}...)
 * as an immutable value: the rules compare the sets of a replica and its source with it, the way
 * {@code GTID_SUBTRACT} and {@code GTID_SUBSET} would, without asking a server.
 *
 * <p>Each source is a <em>TSID</em>: a server uuid, optionally with a MySQL 8.3+ tag. A tagged
 * group ({@code uuid:tag:1-3}) is a separate sequence of transaction numbers from the untagged one
 * of the same uuid ({@code uuid:1-3}): the two share numbers without being the same transactions.
 * Uuids and tags are kept in lower case (MySQL compares both without regard to case). Intervals are
 * kept sorted and merged, adjacent ones too ({@code 1-5} with {@code 6-9} is {@code 1-9}), so two
 * sets holding the same transactions are {@link #equals equal} and print the same.
 */
public final class MySqlGtidSet {

    private static final MySqlGtidSet EMPTY = new MySqlGtidSet(new TreeMap<>());

    /** The tag under which a uuid's untagged transactions are kept. */
    private static final String UNTAGGED = "";

    private static final Pattern UUID = Pattern.compile(
            "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    // MySQL documents tags as [a-z_][a-z0-9_]{0,31} but accepts and lower-cases upper-case ones.
    private static final Pattern TAG = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]{0,31}");
    private static final Pattern INTERVAL = Pattern.compile("(\\d+)(?:\\s*-\\s*(\\d+))?");

    /** uuid, then tag ({@link #UNTAGGED} first), to its non-empty normalised intervals. */
    private final SortedMap<String, SortedMap<String, List<GtidInterval>>> groups;

    private MySqlGtidSet(SortedMap<String, SortedMap<String, List<GtidInterval>>> groups) {
        this.groups = groups;
    }

    /** The set without transactions, as MySQL prints it: the empty string. */
    public static MySqlGtidSet empty() {
        return EMPTY;
    }

    /**
     * Reads a GTID set as MySQL prints or accepts it: groups {@code uuid[:tag]:interval[:interval]...}
     * separated by commas, with any whitespace (including the line breaks MySQL puts after each
     * comma) around the parts; an interval is {@code n} or {@code m-n}; a tag applies to the
     * intervals after it, so {@code uuid:1-5:tag:1-3} holds an untagged and a tagged group. The empty
     * (or blank) string is the empty set. As MySQL does, a uuid or tag without intervals and empty
     * groups ({@code ,,}) add nothing.
     *
     * @throws IllegalArgumentException naming the bad part, if the text is not a GTID set
     */
    public static MySqlGtidSet parse(String text) {
        Objects.requireNonNull(text, "GTID set text");
        Builder builder = new Builder();
        for (String rawGroup : text.split(",", -1)) {
            String group = rawGroup.strip();
            if (!group.isEmpty()) {
                parseGroup(group, builder);
            }
        }
        return builder.build();
    }

    private static void parseGroup(String group, Builder builder) {
        String[] parts = group.split(":", -1);
        String uuid = parts[0].strip();
        if (!UUID.matcher(uuid).matches()) {
            throw new IllegalArgumentException(
                    "bad uuid '" + uuid + "' in GTID set group '" + group + "'");
        }
        String tag = UNTAGGED;
        for (int i = 1; i < parts.length; i++) {
            String part = parts[i].strip();
            Matcher interval = INTERVAL.matcher(part);
            if (interval.matches()) {
                builder.add(uuid, tag, parseInterval(interval, part, group));
            } else if (TAG.matcher(part).matches()) {
                tag = part.toLowerCase(Locale.ROOT);
            } else {
                throw new IllegalArgumentException(
                        "bad interval or tag '" + part + "' in GTID set group '" + group + "'");
            }
        }
    }

    private static GtidInterval parseInterval(Matcher m, String part, String group) {
        try {
            long first = Long.parseLong(m.group(1));
            long last = m.group(2) == null ? first : Long.parseLong(m.group(2));
            return new GtidInterval(first, last);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "interval '" + part + "' out of range in GTID set group '" + group + "'", e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "bad interval '" + part + "' in GTID set group '" + group + "': " + e.getMessage(), e);
        }
    }

    /** The transactions of this set that {@code other} lacks: {@code GTID_SUBTRACT(this, other)}. */
    public MySqlGtidSet subtract(MySqlGtidSet other) {
        Builder b = new Builder();
        forEachGroup((uuid, tag, mine) -> {
            List<GtidInterval> theirs = other.intervals(uuid, tag);
            b.put(uuid, tag, theirs.isEmpty() ? mine : IntervalLists.subtract(mine, theirs));
        });
        return b.build();
    }

    /** The transactions of both sets together. */
    public MySqlGtidSet union(MySqlGtidSet other) {
        if (other.isEmpty()) {
            return this;
        }
        Builder b = new Builder();
        forEachGroup(b::put);
        other.forEachGroup((uuid, tag, theirs) -> b.merge(uuid, tag, theirs, IntervalLists::union));
        return b.build();
    }

    /** Same as {@link #union}: this set with the transactions of {@code other} added. */
    public MySqlGtidSet with(MySqlGtidSet other) {
        return union(other);
    }

    /** The transactions that both sets hold. */
    public MySqlGtidSet intersect(MySqlGtidSet other) {
        Builder b = new Builder();
        forEachGroup((uuid, tag, mine) -> {
            List<GtidInterval> theirs = other.intervals(uuid, tag);
            if (!theirs.isEmpty()) {
                b.put(uuid, tag, IntervalLists.intersect(mine, theirs));
            }
        });
        return b.build();
    }

    /** Whether every transaction of this set is in {@code other}: {@code GTID_SUBSET(this, other)}. */
    public boolean isContainedWithin(MySqlGtidSet other) {
        return subtract(other).isEmpty();
    }

    /** Whether the set holds the transaction {@code number} of {@code uuid}'s untagged group. */
    public boolean contains(String uuid, long number) {
        return intervalsFor(uuid).stream().anyMatch(i -> i.contains(number));
    }

    /** This set without any group, tagged or not, of the given uuids (any case). */
    public MySqlGtidSet withoutUuids(Collection<String> uuids) {
        Set<String> drop = new TreeSet<>();
        for (String uuid : uuids) {
            drop.add(normaliseUuid(uuid));
        }
        Builder b = new Builder();
        forEachGroup((uuid, tag, mine) -> {
            if (!drop.contains(uuid)) {
                b.put(uuid, tag, mine);
            }
        });
        return b.build();
    }

    public boolean isEmpty() {
        return groups.isEmpty();
    }

    /** How many transactions the set holds, all groups together (capped at {@link Long#MAX_VALUE}). */
    public long count() {
        long n = 0;
        for (SortedMap<String, List<GtidInterval>> byTag : groups.values()) {
            for (List<GtidInterval> intervals : byTag.values()) {
                n = IntervalLists.saturatedAdd(n, IntervalLists.count(intervals));
            }
        }
        return n;
    }

    /** The uuids that have transactions in the set, tagged or not, in lower case and sorted. */
    public SortedSet<String> uuids() {
        return Collections.unmodifiableSortedSet(new TreeSet<>(groups.keySet()));
    }

    /** The tags under which {@code uuid} has transactions, sorted; empty if it has only untagged ones. */
    public SortedSet<String> tagsFor(String uuid) {
        SortedSet<String> tags = new TreeSet<>(groups.getOrDefault(normaliseUuid(uuid), new TreeMap<>()).keySet());
        tags.remove(UNTAGGED);
        return Collections.unmodifiableSortedSet(tags);
    }

    /** The untagged intervals of {@code uuid} (any case), sorted and merged; empty if none. */
    public List<GtidInterval> intervalsFor(String uuid) {
        return intervals(normaliseUuid(uuid), UNTAGGED);
    }

    /** The intervals of {@code uuid}'s group tagged {@code tag} (any case), sorted and merged. */
    public List<GtidInterval> intervalsFor(String uuid, String tag) {
        Objects.requireNonNull(tag, "tag");
        if (!TAG.matcher(tag).matches()) {
            throw new IllegalArgumentException("bad GTID tag '" + tag + "'");
        }
        return intervals(normaliseUuid(uuid), tag.toLowerCase(Locale.ROOT));
    }

    /** Whether any group is tagged: such a set only means something to MySQL 8.3 or later. */
    public boolean hasTags() {
        return groups.values().stream().anyMatch(byTag -> byTag.size() > 1 || !byTag.containsKey(UNTAGGED));
    }

    /**
     * MySQL's own form, which MySQL accepts back (e.g. in {@code GTID_SUBTRACT}): uuids sorted, one
     * group per uuid joined by {@code ,}, untagged intervals first then each tag in order followed
     * by its intervals: {@code uuid:1-5:7-9:tag_a:1-3,uuid2:7}. The empty set prints as {@code ""}.
     */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, SortedMap<String, List<GtidInterval>>> group : groups.entrySet()) {
            if (sb.length() > 0) {
                sb.append(',');
            }
            sb.append(group.getKey());
            for (Map.Entry<String, List<GtidInterval>> tagged : group.getValue().entrySet()) {
                if (!tagged.getKey().equals(UNTAGGED)) {
                    sb.append(':').append(tagged.getKey());
                }
                for (GtidInterval interval : tagged.getValue()) {
                    sb.append(':').append(interval);
                }
            }
        }
        return sb.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MySqlGtidSet other && groups.equals(other.groups);
    }

    @Override
    public int hashCode() {
        return groups.hashCode();
    }

    private List<GtidInterval> intervals(String uuid, String tag) {
        SortedMap<String, List<GtidInterval>> byTag = groups.get(uuid);
        return byTag == null ? List.of() : byTag.getOrDefault(tag, List.of());
    }

    private void forEachGroup(GroupVisitor visitor) {
        groups.forEach((uuid, byTag) -> byTag.forEach((tag, intervals) -> visitor.visit(uuid, tag, intervals)));
    }

    private static String normaliseUuid(String uuid) {
        Objects.requireNonNull(uuid, "uuid");
        String u = uuid.strip();
        if (!UUID.matcher(u).matches()) {
            throw new IllegalArgumentException("bad uuid '" + uuid + "'");
        }
        return u.toLowerCase(Locale.ROOT);
    }

    @FunctionalInterface
    private interface GroupVisitor {
        void visit(String uuid, String tag, List<GtidInterval> intervals);
    }

    /** Collects intervals per (uuid, tag) in any order and builds the normal form. */
    private static final class Builder {
        private final SortedMap<String, SortedMap<String, List<GtidInterval>>> groups = new TreeMap<>();

        void add(String uuid, String tag, GtidInterval interval) {
            groups.computeIfAbsent(uuid.toLowerCase(Locale.ROOT), u -> new TreeMap<>())
                    .computeIfAbsent(tag, t -> new ArrayList<>())
                    .add(interval);
        }

        /** Sets the intervals of a group, which must already be in normal form. */
        void put(String uuid, String tag, List<GtidInterval> normalised) {
            if (!normalised.isEmpty()) {
                groups.computeIfAbsent(uuid, u -> new TreeMap<>()).put(tag, normalised);
            }
        }

        void merge(String uuid, String tag, List<GtidInterval> normalised, BinaryOperator<List<GtidInterval>> how) {
            groups.computeIfAbsent(uuid, u -> new TreeMap<>()).merge(tag, normalised, how);
        }

        MySqlGtidSet build() {
            SortedMap<String, SortedMap<String, List<GtidInterval>>> frozen = new TreeMap<>();
            groups.forEach((uuid, byTag) -> {
                SortedMap<String, List<GtidInterval>> tags = new TreeMap<>();
                byTag.forEach((tag, intervals) -> {
                    List<GtidInterval> normal = IntervalLists.normalise(intervals);
                    if (!normal.isEmpty()) {
                        tags.put(tag, normal);
                    }
                });
                if (!tags.isEmpty()) {
                    frozen.put(uuid, Collections.unmodifiableSortedMap(tags));
                }
            });
            return frozen.isEmpty() ? EMPTY : new MySqlGtidSet(Collections.unmodifiableSortedMap(frozen));
        }
    }
}
