package io.replsentinel.gtid;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.replsentinel.fuzz.FuzzInputs;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Coverage-guided fuzz tests (Jazzer) of the GTID parsers: any text (the bytes of a fuzz input as
 * UTF-8) is parsed or refused with the documented {@link IllegalArgumentException} naming the bad
 * part, never another exception, and what parses prints back to text that parses to the same value.
 * Two more targets build valid values from the fuzz input: they survive the round trip and MySQL set
 * algebra holds on them. Without {@code JAZZER_FUZZ} each target replays its committed inputs under
 * {@code src/test/resources/io/replsentinel/gtid/GtidParsersFuzzTestInputs/<method>}. The build fuzzes
 * the target that feeds every parser for its {@code maxDuration}; each target's own {@code maxDuration}
 * is for fuzzing it by hand (see README, Reliability).
 */
class GtidParsersFuzzTest {

    private static final List<String> UUIDS = List.of("3e11fa47-71ca-11e1-9e33-c80aa9429562",
            "c54db2ad-e932-11f1-9bcb-02fc00000001", "dfe70123-e932-11f1-b948-02fc00000001");

    @FuzzTest(maxDuration = "15s")
    void gtidText_isParsedOrRefusedWithAReasonByEveryParser_andWhatParsesRoundTrips(byte[] input) {
        // one target for the four: the build fuzzes it in one JVM (README, Reliability)
        outcome(input, GtidParsersFuzzTest::mySqlGtidSet);
        outcome(input, GtidParsersFuzzTest::mariaDbGtid);
        outcome(input, GtidParsersFuzzTest::mariaDbGtidPosition);
        outcome(input, GtidParsersFuzzTest::mariaDbGtidState);
    }

    @FuzzTest(maxDuration = "30s")
    void mySqlGtidSet_parsesOrRefusesWithAReason_andWhatParsesRoundTrips(byte[] input) {
        outcome(input, GtidParsersFuzzTest::mySqlGtidSet);
    }

    @FuzzTest(maxDuration = "30s")
    void mariaDbGtid_parsesOrRefusesWithAReason_andWhatParsesRoundTrips(byte[] input) {
        outcome(input, GtidParsersFuzzTest::mariaDbGtid);
    }

    @FuzzTest(maxDuration = "30s")
    void mariaDbGtidPosition_parsesOrRefusesWithAReason_andWhatParsesRoundTrips(byte[] input) {
        outcome(input, GtidParsersFuzzTest::mariaDbGtidPosition);
    }

    @FuzzTest(maxDuration = "30s")
    void mariaDbGtidState_parsesOrRefusesWithAReason_andWhatParsesRoundTrips(byte[] input) {
        outcome(input, GtidParsersFuzzTest::mariaDbGtidState);
    }

    private static Object mySqlGtidSet(String text) {
        MySqlGtidSet set = MySqlGtidSet.parse(text);
        assertThat(MySqlGtidSet.parse(set.toString())).as("round trip of %s", text).isEqualTo(set);
        assertThat(MySqlGtidSet.parse(set.toString()).toString()).isEqualTo(set.toString());
        return set;
    }

    private static Object mariaDbGtid(String text) {
        MariaDbGtid gtid = MariaDbGtid.parse(text);
        assertThat(MariaDbGtid.parse(gtid.toString())).as("round trip of %s", text).isEqualTo(gtid);
        return gtid;
    }

    private static Object mariaDbGtidPosition(String text) {
        MariaDbGtidPosition p = MariaDbGtidPosition.parse(text);
        assertThat(MariaDbGtidPosition.parse(p.toString())).as("round trip of %s", text).isEqualTo(p);
        return p;
    }

    private static Object mariaDbGtidState(String text) {
        MariaDbGtidState s = MariaDbGtidState.parse(text);
        assertThat(MariaDbGtidState.parse(s.toString())).as("round trip of %s", text).isEqualTo(s);
        return s;
    }

    @FuzzTest(maxDuration = "30s")
    void generatedMySqlSets_roundTripAndObeySetAlgebra(FuzzedDataProvider data) {
        MySqlGtidSet a = MySqlGtidSet.parse(mySqlSet(data));
        MySqlGtidSet b = MySqlGtidSet.parse(mySqlSet(data));
        assertThat(MySqlGtidSet.parse(a.toString())).isEqualTo(a);
        MySqlGtidSet onlyA = a.subtract(b);
        assertThat(onlyA.isContainedWithin(a)).as("%s - %s within %s", a, b, a).isTrue();
        assertThat(onlyA.intersect(b).isEmpty()).as("(%s - %s) & %s", a, b, b).isTrue();
        MySqlGtidSet both = a.union(b);
        assertThat(a.isContainedWithin(both) && b.isContainedWithin(both)).as("%s | %s", a, b).isTrue();
        assertThat(onlyA.union(a.intersect(b))).as("(a - b) | (a & b) is a").isEqualTo(a);
        assertThat(both.count()).as("|a | b|").isEqualTo(a.count() + b.count() - a.intersect(b).count());
    }

    @FuzzTest(maxDuration = "30s")
    void generatedMariaDbPositions_roundTrip(FuzzedDataProvider data) {
        List<MariaDbGtid> gtids = new ArrayList<>();
        int domains = data.consumeInt(0, 3);
        for (int d = 0; d < domains; d++) {
            // the sequence number is unsigned: the whole long range, shifted to reach the small ones too
            gtids.add(new MariaDbGtid(d * 7L + data.consumeInt(0, 6), data.consumeLong(1, 1000),
                    data.consumeLong() >>> data.consumeInt(0, 63)));
        }
        MariaDbGtidPosition p = MariaDbGtidPosition.of(gtids);
        assertThat(MariaDbGtidPosition.parse(p.toString())).as("%s", p).isEqualTo(p);
        assertThat(p.hasReached(p)).as("%s has reached itself", p).isTrue();
        assertThat(p.seqBehind(p)).as("%s behind itself", p).isZero();
    }

    @Test
    void committedInputs_holdParsedAndRefusedTextForEveryParser() {
        assertThat(outcomes("mySqlGtidSet_parsesOrRefusesWithAReason_andWhatParsesRoundTrips", MySqlGtidSet::parse))
                .containsExactly("parsed", "refused");
        assertThat(outcomes("mariaDbGtid_parsesOrRefusesWithAReason_andWhatParsesRoundTrips", MariaDbGtid::parse))
                .containsExactly("parsed", "refused");
        assertThat(outcomes("mariaDbGtidPosition_parsesOrRefusesWithAReason_andWhatParsesRoundTrips", MariaDbGtidPosition::parse))
                .containsExactly("parsed", "refused");
        assertThat(outcomes("mariaDbGtidState_parsesOrRefusesWithAReason_andWhatParsesRoundTrips", MariaDbGtidState::parse))
                .containsExactly("parsed", "refused");
    }

    private Set<String> outcomes(String method, Function<String, Object> parse) {
        Set<String> outcomes = new TreeSet<>();
        for (byte[] input : FuzzInputs.of(getClass(), method)) {
            outcomes.add(outcome(input, parse));
        }
        return outcomes;
    }

    /** "parsed" or "refused" (an IllegalArgumentException with a message); anything else thrown fails the fuzz test. */
    private static String outcome(byte[] input, Function<String, Object> parse) {
        String text = new String(input, StandardCharsets.UTF_8);
        try {
            parse.apply(text);
            return "parsed";
        } catch (IllegalArgumentException e) {
            assertThat(e.getMessage()).as("message refusing '%s'", text).isNotBlank();
            return "refused";
        }
    }

    /** A valid MySQL GTID set from the fuzz input: up to three groups, tags, case, line breaks, single and ranged intervals. */
    private static String mySqlSet(FuzzedDataProvider data) {
        StringBuilder sb = new StringBuilder();
        int groups = data.consumeInt(0, 3);
        for (int g = 0; g < groups; g++) {
            if (g > 0) {
                sb.append(data.consumeBoolean() ? ",\n" : ",");
            }
            String uuid = data.pickValue(UUIDS);
            sb.append(data.consumeBoolean() ? uuid : uuid.toUpperCase(Locale.ROOT));
            if (data.consumeInt(0, 3) == 0) {
                sb.append(":tag").append(data.consumeInt(0, 1));
            }
            int intervals = data.consumeInt(1, 3);
            for (int i = 0; i < intervals; i++) {
                long first = data.consumeLong(1, 50);
                long last = first + data.consumeInt(0, 19);
                sb.append(':').append(first);
                if (last > first || data.consumeBoolean()) {
                    sb.append('-').append(last);
                }
            }
        }
        return sb.toString();
    }
}
