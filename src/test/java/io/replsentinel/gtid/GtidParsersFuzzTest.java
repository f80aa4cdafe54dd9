package io.replsentinel.gtid;

import io.replsentinel.fuzz.Fuzz;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * A fuzzed corpus against the GTID parsers: any text, mutated from what the servers print or plain
 * noise, is parsed or refused with the documented {@link IllegalArgumentException} naming the bad
 * part, never another exception. What parses prints back to text that parses to the same value, and
 * generated valid values survive the round trip; MySQL set algebra holds on generated sets.
 */
class GtidParsersFuzzTest {

    private static final List<String> MYSQL_SEEDS = List.of(
            "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-77",
            "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5:11-18,\n4e11fa47-71ca-11e1-9e33-c80aa9429562:1",
            "3E11FA47-71CA-11E1-9E33-C80AA9429562:1-3:audit:1-9:7", "", " , ");
    private static final List<String> MARIADB_SEEDS = List.of("0-1-9", "0-11-6,1-12-3", "0-1-9,0-2-3,1-1-4",
            "4294967295-4294967295-18446744073709551615", " 0-1-1 ");

    @Test
    void mySqlGtidSet_parsesOrRefusesWithReason_andWhatParsesRoundTrips() {
        Fuzz fuzz = Fuzz.seeded();
        Map<String, Integer> outcomes = run(fuzz, MYSQL_SEEDS, text -> {
            MySqlGtidSet set = MySqlGtidSet.parse(text);
            assertThat(MySqlGtidSet.parse(set.toString())).as("%s: round trip of %s", fuzz, text).isEqualTo(set);
            assertThat(MySqlGtidSet.parse(set.toString()).toString()).isEqualTo(set.toString());
            return set;
        });
        assertThat(outcomes).as("%s", fuzz).containsKeys("parsed", "refused");
    }

    @Test
    void mariaDbGtid_position_and_state_parseOrRefuseWithReason_andWhatParsesRoundTrips() {
        Fuzz fuzz = Fuzz.seeded();
        Map<String, Integer> single = run(fuzz, MARIADB_SEEDS.subList(0, 1), text -> {
            MariaDbGtid gtid = MariaDbGtid.parse(text);
            assertThat(MariaDbGtid.parse(gtid.toString())).as("%s: round trip of %s", fuzz, text).isEqualTo(gtid);
            return gtid;
        });
        Map<String, Integer> position = run(fuzz, MARIADB_SEEDS, text -> {
            MariaDbGtidPosition p = MariaDbGtidPosition.parse(text);
            assertThat(MariaDbGtidPosition.parse(p.toString())).as("%s: round trip of %s", fuzz, text).isEqualTo(p);
            return p;
        });
        Map<String, Integer> state = run(fuzz, MARIADB_SEEDS, text -> {
            MariaDbGtidState s = MariaDbGtidState.parse(text);
            assertThat(MariaDbGtidState.parse(s.toString())).as("%s: round trip of %s", fuzz, text).isEqualTo(s);
            return s;
        });
        assertThat(List.of(single, position, state)).as("%s", fuzz).allSatisfy(o -> assertThat(o).containsKeys("parsed", "refused"));
    }

    @Test
    void generatedMySqlSets_roundTripAndObeySetAlgebra() {
        Fuzz fuzz = Fuzz.seeded();
        List<String> uuids = List.of(UUID.randomUUID().toString(), UUID.randomUUID().toString(), UUID.randomUUID().toString());
        for (int i = 0; i < Fuzz.cases() / 4; i++) {
            MySqlGtidSet a = MySqlGtidSet.parse(randomSet(fuzz, uuids));
            MySqlGtidSet b = MySqlGtidSet.parse(randomSet(fuzz, uuids));
            assertThat(MySqlGtidSet.parse(a.toString())).as("%s", fuzz).isEqualTo(a);
            MySqlGtidSet onlyA = a.subtract(b);
            assertThat(onlyA.isContainedWithin(a)).as("%s: %s - %s within %s", fuzz, a, b, a).isTrue();
            assertThat(onlyA.intersect(b).isEmpty()).as("%s: (%s - %s) & %s", fuzz, a, b, b).isTrue();
            MySqlGtidSet both = a.union(b);
            assertThat(a.isContainedWithin(both) && b.isContainedWithin(both)).as("%s: %s | %s", fuzz, a, b).isTrue();
            assertThat(onlyA.union(a.intersect(b))).as("%s: (a - b) | (a & b) is a", fuzz).isEqualTo(a);
            assertThat(both.count()).as("%s: |a | b|", fuzz).isEqualTo(a.count() + b.count() - a.intersect(b).count());
        }
    }

    @Test
    void generatedMariaDbPositions_roundTrip() {
        Fuzz fuzz = Fuzz.seeded();
        for (int i = 0; i < Fuzz.cases() / 4; i++) {
            List<MariaDbGtid> gtids = new ArrayList<>();
            int domains = fuzz.nextInt(4);
            for (int d = 0; d < domains; d++) {
                gtids.add(new MariaDbGtid(d * 7L + fuzz.nextInt(7), 1 + fuzz.nextInt(1000),
                        fuzz.random().nextLong() >>> fuzz.nextInt(64)));
            }
            MariaDbGtidPosition p = MariaDbGtidPosition.of(gtids);
            assertThat(MariaDbGtidPosition.parse(p.toString())).as("%s: %s", fuzz, p).isEqualTo(p);
            assertThat(p.hasReached(p)).as("%s: %s has reached itself", fuzz, p).isTrue();
            assertThat(p.seqBehind(p)).as("%s: %s behind itself", fuzz, p).isZero();
        }
    }

    /** Runs {@code parse} over a corpus from {@code seeds}: it must parse, or refuse with an IllegalArgumentException. */
    private static Map<String, Integer> run(Fuzz fuzz, List<String> seeds, Function<String, Object> parse) {
        Map<String, Integer> outcomes = new TreeMap<>();
        for (String text : fuzz.corpus(seeds, Fuzz.cases(), t -> fuzz.nextInt(10) == 0 ? fuzz.noise() : fuzz.mutateText(t))) {
            try {
                parse.apply(text);
                outcomes.merge("parsed", 1, Integer::sum);
            } catch (IllegalArgumentException e) {
                assertThat(e.getMessage()).as("%s: message refusing '%s'", fuzz, text).isNotBlank();
                outcomes.merge("refused", 1, Integer::sum);
            } catch (RuntimeException | StackOverflowError e) {
                fail(fuzz + ": " + e + " parsing '" + text + "'", e);
            }
        }
        System.out.printf("GTID parser fuzz (%s): %s%n", fuzz, outcomes);
        return outcomes;
    }

    private static String randomSet(Fuzz fuzz, List<String> uuids) {
        StringBuilder sb = new StringBuilder();
        int groups = fuzz.nextInt(4);
        for (int g = 0; g < groups; g++) {
            if (g > 0) {
                sb.append(fuzz.nextInt(3) == 0 ? ",\n" : ",");
            }
            String uuid = fuzz.pick(uuids);
            sb.append(fuzz.nextInt(2) == 0 ? uuid : uuid.toUpperCase(Locale.ROOT));
            if (fuzz.nextInt(4) == 0) {
                sb.append(":tag").append(fuzz.nextInt(2));
            }
            int intervals = 1 + fuzz.nextInt(3);
            for (int i = 0; i < intervals; i++) {
                long first = 1 + fuzz.nextInt(50);
                long last = first + fuzz.nextInt(20);
                sb.append(':').append(first);
                if (last > first || fuzz.nextInt(2) == 0) {
                    sb.append('-').append(last);
                }
            }
        }
        return sb.toString();
    }
}
