package io.replsentinel.gtid;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MySqlGtidSetTest {

    static final String A = "d8d77de1-e932-11f1-91ae-02fc00000001";
    static final String B = "dbff9504-e932-11f1-8d3e-02fc00000001";
    static final String C = "0e9ff179-e933-11f1-93e1-02fc00000001";

    private static MySqlGtidSet set(String text) {
        return MySqlGtidSet.parse(text);
    }

    private static GtidInterval iv(long first, long last) {
        return new GtidInterval(first, last);
    }

    @Test
    void shouldParseEmptyStringAsEmptySet() {
        assertThat(set("").isEmpty()).isTrue();
        assertThat(set("   \n ").isEmpty()).isTrue();
        assertThat(set("")).isEqualTo(MySqlGtidSet.empty());
        assertThat(set("").count()).isZero();
        assertThat(set("").uuids()).isEmpty();
        assertThat(set("")).hasToString("");
    }

    @Test
    void shouldParseSingleTransaction() {
        MySqlGtidSet s = set(A + ":7");
        assertThat(s.intervalsFor(A)).containsExactly(iv(7, 7));
        assertThat(s.count()).isEqualTo(1);
        assertThat(s).hasToString(A + ":7");
    }

    @Test
    void shouldParseSeveralIntervalsPerUuidKeepingGaps() {
        MySqlGtidSet s = set(A + ":1-5:7-9");
        assertThat(s.intervalsFor(A)).containsExactly(iv(1, 5), iv(7, 9));
        assertThat(s.count()).isEqualTo(8);
        assertThat(s.contains(A, 6)).isFalse();
        assertThat(s.contains(A, 7)).isTrue();
        assertThat(s).hasToString(A + ":1-5:7-9");
    }

    @Test
    void shouldParseMultiUuidSetPrintedAcrossLines() {
        MySqlGtidSet s = set(A + ":1-6,\n" + B + ":1");
        assertThat(s.uuids()).containsExactly(A, B);
        assertThat(s.intervalsFor(B)).containsExactly(iv(1, 1));
        assertThat(s.count()).isEqualTo(7);
        assertThat(s).hasToString(A + ":1-6," + B + ":1");
    }

    @Test
    void shouldTolerateWhitespaceAroundEveryPart() {
        MySqlGtidSet s = set("  " + A + " : 1 - 5 : 7 ,\r\n\t" + B + ":3  ");
        assertThat(s).isEqualTo(set(A + ":1-5:7," + B + ":3"));
    }

    @Test
    void shouldNormaliseUpperCaseUuidsToLowerCase() {
        MySqlGtidSet s = set(A.toUpperCase() + ":1-3");
        assertThat(s.uuids()).containsExactly(A);
        assertThat(s).isEqualTo(set(A + ":1-3"));
        assertThat(s.intervalsFor(A.toUpperCase())).containsExactly(iv(1, 3));
        assertThat(s).hasToString(A + ":1-3");
    }

    @Test
    void shouldSortUuidsInCanonicalForm() {
        MySqlGtidSet s = set(B + ":1," + C + ":2," + A + ":3");
        assertThat(s).hasToString(C + ":2," + A + ":3," + B + ":1");
        assertThat(s.uuids()).containsExactly(C, A, B);
    }

    @Test
    void shouldMergeAdjacentIntervals() {
        assertThat(set(A + ":1-5:6-9")).hasToString(A + ":1-9");
        assertThat(set(A + ":1-5").union(set(A + ":6-9")).intervalsFor(A)).containsExactly(iv(1, 9));
        assertThat(set(A + ":1:2:3:4")).hasToString(A + ":1-4");
    }

    @Test
    void shouldMergeOverlappingAndUnsortedIntervals() {
        assertThat(set(A + ":7-9:1-5:3-8")).hasToString(A + ":1-9");
        assertThat(set(A + ":10:1-2:5")).hasToString(A + ":1-2:5:10");
    }

    @Test
    void shouldMergeGroupsOfTheSameUuidGivenTwice() {
        assertThat(set(A + ":1-3," + A + ":4-6," + A + ":9")).hasToString(A + ":1-6:9");
    }

    @Test
    void shouldAcceptWhatMysqlAcceptsWithoutIntervals() {
        // MySQL's own parser takes a bare uuid, a uuid with only a tag, and empty groups.
        assertThat(set(A + ",," + B + ":tag_1 ,").isEmpty()).isTrue();
        assertThat(set(A + ":1,,,")).hasToString(A + ":1");
    }

    @Test
    void shouldCompareByValue() {
        assertThat(set(A + ":1-3:4," + B + ":1")).isEqualTo(set(B + ":1,\n" + A.toUpperCase() + ":1-4"))
                .hasSameHashCodeAs(set(B + ":1," + A + ":1-4"));
        assertThat(set(A + ":1-3")).isNotEqualTo(set(A + ":1-4"));
        assertThat(set(A + ":1")).isNotEqualTo(set(A + ":t:1"));
    }

    @Test
    void shouldRoundTripParseAndPrint() {
        for (String canonical : List.of("", A + ":7", A + ":1-5:7-9", C + ":1-5," + A + ":1-6," + B + ":1",
                A + ":1-5:aa:1-3:bb:7", A + ":tag_1:1-3", A + ":9223372036854775806-9223372036854775807")) {
            MySqlGtidSet s = set(canonical);
            assertThat(s).hasToString(canonical);
            assertThat(set(s.toString())).isEqualTo(s);
        }
    }

    @Test
    void shouldTreatTaggedGroupAsDistinct() {
        MySqlGtidSet s = set(A + ":1-5," + A + ":tag_1:1-3");
        assertThat(s.intervalsFor(A)).containsExactly(iv(1, 5));
        assertThat(s.intervalsFor(A, "tag_1")).containsExactly(iv(1, 3));
        assertThat(s.count()).isEqualTo(8);
        assertThat(s.uuids()).containsExactly(A);
        assertThat(s.tagsFor(A)).containsExactly("tag_1");
        assertThat(s.hasTags()).isTrue();
        // The untagged 1-5 does not cover the tagged 1-3, nor the other way round.
        assertThat(set(A + ":tag_1:1-3").isContainedWithin(set(A + ":1-5"))).isFalse();
        assertThat(set(A + ":1-3").subtract(set(A + ":tag_1:1-3"))).isEqualTo(set(A + ":1-3"));
        assertThat(set(A + ":1-3").intersect(set(A + ":tag_1:1-3")).isEmpty()).isTrue();
    }

    @Test
    void shouldPrintTagsAfterTheUntaggedIntervalsOfTheirUuid() {
        MySqlGtidSet s = set(A + ":zz:4," + A + ":aa:1-2:3," + A + ":1-5:7," + B + ":aa:1");
        assertThat(s).hasToString(A + ":1-5:7:aa:1-3:zz:4," + B + ":aa:1");
        assertThat(s.tagsFor(B)).containsExactly("aa");
        assertThat(s.intervalsFor(B)).isEmpty();
    }

    @Test
    void shouldApplyTagToTheIntervalsAfterIt() {
        MySqlGtidSet s = set(A + ":1-2:tag_1:1-4:tag_2:1-2");
        assertThat(s.intervalsFor(A)).containsExactly(iv(1, 2));
        assertThat(s.intervalsFor(A, "tag_1")).containsExactly(iv(1, 4));
        assertThat(s.intervalsFor(A, "tag_2")).containsExactly(iv(1, 2));
    }

    @Test
    void shouldNormaliseTagsToLowerCase() {
        MySqlGtidSet s = set(A + ":Domain_1:1-3");
        assertThat(s.tagsFor(A)).containsExactly("domain_1");
        assertThat(s.intervalsFor(A, "DOMAIN_1")).containsExactly(iv(1, 3));
        assertThat(s).isEqualTo(set(A + ":domain_1:1-3"));
    }

    @Test
    void shouldReportNoTagsForUntaggedSets() {
        assertThat(set(A + ":1-5," + B + ":1").hasTags()).isFalse();
        assertThat(set("").hasTags()).isFalse();
        assertThat(set(A + ":1-5," + B + ":1").tagsFor(A)).isEmpty();
    }

    @Test
    void shouldSubtractAcrossSeveralUuids() {
        MySqlGtidSet replica = set(A + ":1-10," + B + ":1-3," + C + ":5");
        MySqlGtidSet source = set(A + ":1-8," + B + ":1-3");
        assertThat(replica.subtract(source)).hasToString(C + ":5," + A + ":9-10");
    }

    @Test
    void shouldSubtractLeavingGaps() {
        assertThat(set(A + ":1-10").subtract(set(A + ":3-4:7"))).hasToString(A + ":1-2:5-6:8-10");
        assertThat(set(A + ":1-5:7-9").subtract(set(A + ":5-7"))).hasToString(A + ":1-4:8-9");
        assertThat(set(A + ":1-3:5-6:9-12").subtract(set(A + ":2:4-10"))).hasToString(A + ":1:3:11-12");
    }

    @Test
    void shouldSubtractToEmptyWhenCovered() {
        assertThat(set(A + ":2-4").subtract(set(A + ":1-9")).isEmpty()).isTrue();
        assertThat(set(A + ":1-5").subtract(set(A + ":1-5"))).isEqualTo(MySqlGtidSet.empty());
    }

    @Test
    void shouldSubtractWithEmptySets() {
        MySqlGtidSet s = set(A + ":1-5");
        assertThat(s.subtract(MySqlGtidSet.empty())).isEqualTo(s);
        assertThat(MySqlGtidSet.empty().subtract(s).isEmpty()).isTrue();
    }

    @Test
    void shouldUnionSeveralUuidsAndTags() {
        MySqlGtidSet a = set(A + ":1-3," + B + ":1");
        MySqlGtidSet b = set(A + ":5," + C + ":1-2," + A + ":t:1");
        assertThat(a.union(b)).hasToString(C + ":1-2," + A + ":1-3:5:t:1," + B + ":1");
        assertThat(a.with(b)).isEqualTo(b.union(a));
        assertThat(a.union(MySqlGtidSet.empty())).isEqualTo(a);
        assertThat(MySqlGtidSet.empty().union(a)).isEqualTo(a);
    }

    @Test
    void shouldIntersect() {
        MySqlGtidSet a = set(A + ":1-10," + B + ":1-3");
        MySqlGtidSet b = set(A + ":3-4:8-12," + C + ":1");
        assertThat(a.intersect(b)).hasToString(A + ":3-4:8-10");
        assertThat(a.intersect(MySqlGtidSet.empty()).isEmpty()).isTrue();
        assertThat(set(A + ":1-2").intersect(set(A + ":3-4")).isEmpty()).isTrue();
    }

    @Test
    void shouldTellContainment() {
        MySqlGtidSet source = set(A + ":1-10," + B + ":1-3");
        assertThat(set(A + ":2-5:7," + B + ":3").isContainedWithin(source)).isTrue();
        assertThat(set(A + ":11").isContainedWithin(source)).isFalse();
        assertThat(set(C + ":1").isContainedWithin(source)).isFalse();
        assertThat(MySqlGtidSet.empty().isContainedWithin(source)).isTrue();
        assertThat(MySqlGtidSet.empty().isContainedWithin(MySqlGtidSet.empty())).isTrue();
        assertThat(source.isContainedWithin(MySqlGtidSet.empty())).isFalse();
        assertThat(source.isContainedWithin(source)).isTrue();
    }

    @Test
    void shouldDropAllowedUuidsWithTheirTags() {
        MySqlGtidSet s = set(A + ":1-5," + B + ":1:t:2," + C + ":1");
        assertThat(s.withoutUuids(Set.of(B.toUpperCase()))).hasToString(C + ":1," + A + ":1-5");
        assertThat(s.withoutUuids(Set.of())).isEqualTo(s);
    }

    @Test
    void shouldCountTransactionsAsLong() {
        assertThat(set(A + ":1-4294967296").count()).isEqualTo(4_294_967_296L);
        assertThat(set(A + ":1-9223372036854775807," + B + ":1-9223372036854775807").count())
                .isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void shouldBeImmutable() {
        MySqlGtidSet s = set(A + ":1-5");
        s.union(set(A + ":6-9"));
        s.subtract(set(A + ":1"));
        assertThat(s).hasToString(A + ":1-5");
        assertThatThrownBy(() -> s.uuids().add(B)).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> s.intervalsFor(A).clear()).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void shouldAgreeWithTransactionByTransactionSetAlgebra() {
        // Small random sets over two uuids, a tag and numbers 1..20, checked against plain sets.
        Random random = new Random(42);
        for (int round = 0; round < 500; round++) {
            Set<String> x = randomTransactions(random);
            Set<String> y = randomTransactions(random);
            MySqlGtidSet a = fromTransactions(x);
            MySqlGtidSet b = fromTransactions(y);

            Set<String> minus = new TreeSet<>(x);
            minus.removeAll(y);
            Set<String> both = new TreeSet<>(x);
            both.retainAll(y);
            Set<String> all = new TreeSet<>(x);
            all.addAll(y);

            assertThat(a.subtract(b)).as("%s - %s", a, b).isEqualTo(fromTransactions(minus));
            assertThat(a.intersect(b)).as("%s & %s", a, b).isEqualTo(fromTransactions(both));
            assertThat(a.union(b)).as("%s | %s", a, b).isEqualTo(fromTransactions(all));
            assertThat(a.isContainedWithin(b)).as("%s in %s", a, b).isEqualTo(y.containsAll(x));
            assertThat(a.count()).isEqualTo(x.size());
            assertThat(set(a.toString())).isEqualTo(a);
        }
    }

    private static Set<String> randomTransactions(Random random) {
        Set<String> out = new TreeSet<>();
        for (String group : List.of(A + ":", B + ":", A + ":t:")) {
            for (int n = 1; n <= 20; n++) {
                if (random.nextInt(3) == 0) {
                    out.add(group + n);
                }
            }
        }
        return out;
    }

    /** One group per transaction, in any order: exercises the parser's merging as well. */
    private static MySqlGtidSet fromTransactions(Set<String> transactions) {
        List<String> shuffled = new ArrayList<>(transactions);
        Collections.shuffle(shuffled, new Random(transactions.size()));
        return set(String.join(",", shuffled));
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "d8d77de1-e932-11f1-91ae:1-5",
            "d8d77de1-e932-11f1-91ae-02fc0000000g:1",
            "not-a-uuid:1",
            ":1-5",
    })
    void shouldRejectMalformedUuidNamingIt(String text) {
        String uuid = text.substring(0, text.indexOf(':'));
        assertThatThrownBy(() -> set(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("bad uuid '" + uuid + "'");
    }

    @Test
    void shouldRejectMalformedIntervalsNamingThem() {
        assertBad(A + ":1-6," + B + ":0", "'0'");
        assertBad(A + ":5-3", "'5-3'");
        assertBad(A + ":1-", "'1-'");
        assertBad(A + ":-3", "'-3'");
        assertBad(A + ":1::3", "''");
        assertBad(A + ":1-5:x-y", "'x-y'");
        assertBad(A + ":1.5", "'1.5'");
        assertBad(A + ":9223372036854775808", "'9223372036854775808' out of range");
        assertBad(A + ":1-2-3", "'1-2-3'");
    }

    @Test
    void shouldRejectMalformedTagsNamingThem() {
        assertBad(A + ":9tag:1", "'9tag'");
        assertBad(A + ":tag-x:1", "'tag-x'");
        assertBad(A + ":" + "t".repeat(33) + ":1", "'" + "t".repeat(33) + "'");
        assertThatThrownBy(() -> set(A + ":1").intervalsFor(A, "bad tag"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'bad tag'");
    }

    @Test
    void shouldNameTheGroupOfTheBadPart() {
        assertThatThrownBy(() -> set(A + ":1-6,\n" + B + ":1-x"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'1-x'")
                .hasMessageContaining("group '" + B + ":1-x'");
    }

    private static void assertBad(String text, String part) {
        assertThatThrownBy(() -> set(text))
                .as(text)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(part);
    }
}
