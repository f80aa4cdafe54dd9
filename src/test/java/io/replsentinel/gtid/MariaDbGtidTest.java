package io.replsentinel.gtid;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MariaDbGtidTest {

    @Test
    void shouldParseDomainServerSeq() {
        MariaDbGtid g = MariaDbGtid.parse(" 0-11-6 ");
        assertThat(g).isEqualTo(new MariaDbGtid(0, 11, 6));
        assertThat(g).hasToString("0-11-6");
    }

    @Test
    void shouldKeepUnsignedRanges() {
        MariaDbGtid g = MariaDbGtid.parse("4294967295-4294967295-18446744073709551615");
        assertThat(g.domainId()).isEqualTo(4_294_967_295L);
        assertThat(g.serverId()).isEqualTo(4_294_967_295L);
        assertThat(g.seqText()).isEqualTo("18446744073709551615");
        assertThat(g).hasToString("4294967295-4294967295-18446744073709551615");
    }

    @Test
    void shouldCompareSequenceNumbersAsUnsigned() {
        MariaDbGtid high = MariaDbGtid.parse("0-1-9223372036854775808");
        MariaDbGtid low = MariaDbGtid.parse("0-1-9223372036854775807");
        assertThat(high.compareSeq(low)).isPositive();
        assertThat(low.compareSeq(high)).isNegative();
        assertThat(high.compareTo(low)).isPositive();
    }

    @Test
    void shouldSortByDomainThenServerThenSeq() {
        List<MariaDbGtid> gtids = new ArrayList<>(List.of(MariaDbGtid.parse("1-1-1"), MariaDbGtid.parse("0-13-6"),
                MariaDbGtid.parse("0-11-7"), MariaDbGtid.parse("0-11-5")));
        gtids.sort(null);
        assertThat(gtids).extracting(MariaDbGtid::toString).containsExactly("0-11-5", "0-11-7", "0-13-6", "1-1-1");
    }

    @Test
    void shouldRejectMalformedGtidNamingIt() {
        assertBad("0-11", "'0-11'");
        assertBad("0-11-6-1", "'0-11-6-1'");
        assertBad("a-11-6", "domain id 'a'");
        assertBad("0--6", "server id ''");
        assertBad("0-11-+6", "sequence number '+6'");
        assertBad("4294967296-1-1", "domain id '4294967296' out of range");
        assertBad("0-4294967296-1", "server id '4294967296' out of range");
        assertBad("0-1-18446744073709551616", "sequence number '18446744073709551616' out of range");
        assertBad("", "''");
    }

    @Test
    void shouldRejectOutOfRangeIdsInConstructor() {
        assertThatThrownBy(() -> new MariaDbGtid(-1, 1, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("domain id");
        assertThatThrownBy(() -> new MariaDbGtid(0, 1L << 32, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("server id");
    }

    private static void assertBad(String text, String part) {
        assertThatThrownBy(() -> MariaDbGtid.parse(text))
                .as(text)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(part);
    }
}
