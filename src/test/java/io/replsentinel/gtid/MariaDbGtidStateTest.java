package io.replsentinel.gtid;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MariaDbGtidStateTest {

    private static MariaDbGtidState state(String text) {
        return MariaDbGtidState.parse(text);
    }

    @Test
    void shouldParseEmptyStringAsEmptyState() {
        assertThat(state("").isEmpty()).isTrue();
        assertThat(state("")).isEqualTo(MariaDbGtidState.empty()).hasToString("");
        assertThat(state("").domains()).isEmpty();
    }

    @Test
    void shouldKeepOneGtidPerDomainAndServerPrintedInCanonicalOrder() {
        // MariaDB prints the domain's most recent GTID last; the value does not depend on order.
        MariaDbGtidState s = state("0-12-6,0-11-6,1-11-2");
        assertThat(s).hasToString("0-11-6,0-12-6,1-11-2");
        assertThat(s).isEqualTo(state("1-11-2, 0-11-6,\n0-12-6")).hasSameHashCodeAs(state("0-11-6,0-12-6,1-11-2"));
        assertThat(state(s.toString())).isEqualTo(s);
    }

    @Test
    void shouldAnswerDomainsServersAndGet() {
        MariaDbGtidState s = state("0-12-6,0-11-6,3-11-2");
        assertThat(s.domains()).containsExactly(0L, 3L);
        assertThat(s.serverIds()).containsExactly(11L, 12L);
        assertThat(s.get(0)).extracting(MariaDbGtid::toString).containsExactly("0-11-6", "0-12-6");
        assertThat(s.get(1)).isEmpty();
        assertThat(s.get(3, 11)).contains(MariaDbGtid.parse("3-11-2"));
        assertThat(s.get(3, 12)).isEmpty();
        assertThat(s.gtids()).hasSize(3);
    }

    @Test
    void shouldRejectTwoGtidsForOnePair() {
        assertThatThrownBy(() -> state("0-11-5,0-11-6"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("domain 0 server 11")
                .hasMessageContaining("'0-11-5'");
    }

    @Test
    void shouldRejectMalformedPartNamingIt() {
        assertThatThrownBy(() -> state("0-11-5,0-13"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'0-13'")
                .hasMessageContaining("binlog state '0-11-5,0-13'");
    }

    @Test
    void shouldFindPairTheSourceLacks() {
        assertThat(state("0-11-5,0-13-6").foreignTo(state("0-11-6"))).hasToString("0-13-6");
    }

    @Test
    void shouldFindSeqHigherThanTheSourcesForThePair() {
        // The replica wrote under the source's server id (same server_id misconfiguration).
        assertThat(state("0-11-9").foreignTo(state("0-11-6"))).hasToString("0-11-9");
    }

    @Test
    void shouldFindForeignPairInAnotherDomain() {
        assertThat(state("0-11-6,5-13-1").foreignTo(state("0-11-6"))).hasToString("5-13-1");
    }

    @Test
    void shouldFindNothingForeignWhenBehindOrEqual() {
        MariaDbGtidState source = state("0-10-90,0-11-100,1-11-4");
        assertThat(state("0-10-90,0-11-95").foreignTo(source).isEmpty()).isTrue();
        assertThat(source.foreignTo(source).isEmpty()).isTrue();
        assertThat(MariaDbGtidState.empty().foreignTo(source).isEmpty()).isTrue();
        assertThat(state("0-10-90,0-11-95").isContainedWithin(source)).isTrue();
    }

    @Test
    void shouldFindEverythingForeignToEmptySource() {
        assertThat(state("0-11-6,0-13-1").foreignTo(MariaDbGtidState.empty())).hasToString("0-11-6,0-13-1");
        assertThat(state("0-11-6").isContainedWithin(MariaDbGtidState.empty())).isFalse();
    }

    @Test
    void shouldCompareSeqAsUnsignedWhenFindingForeign() {
        MariaDbGtidState source = state("0-11-9223372036854775808");
        assertThat(state("0-11-9223372036854775807").foreignTo(source).isEmpty()).isTrue();
        assertThat(state("0-11-9223372036854775809").foreignTo(source)).hasToString("0-11-9223372036854775809");
    }

    @Test
    void shouldFilterEntries() {
        MariaDbGtidState s = state("0-11-6,0-13-1,2-13-4");
        assertThat(s.filter(g -> g.serverId() != 13)).hasToString("0-11-6");
        assertThat(s).hasToString("0-11-6,0-13-1,2-13-4");
    }
}
