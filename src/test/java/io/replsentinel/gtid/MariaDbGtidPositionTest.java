package io.replsentinel.gtid;

import io.replsentinel.poll.Captures;
import io.replsentinel.poll.Row;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MariaDbGtidPositionTest {

    private static MariaDbGtidPosition pos(String text) {
        return MariaDbGtidPosition.parse(text);
    }

    @Test
    void shouldParseEmptyStringAsEmptyPosition() {
        assertThat(pos("").isEmpty()).isTrue();
        assertThat(pos(" ")).isEqualTo(MariaDbGtidPosition.empty());
        assertThat(pos("").domains()).isEmpty();
        assertThat(pos("")).hasToString("");
    }

    @Test
    void shouldParseOneGtidPerDomainAndPrintByDomain() {
        MariaDbGtidPosition p = pos("2-12-40, 0-11-6,\n1-11-3");
        assertThat(p.domains()).containsExactly(0L, 1L, 2L);
        assertThat(p.get(2)).contains(MariaDbGtid.parse("2-12-40"));
        assertThat(p.get(5)).isEmpty();
        assertThat(p).hasToString("0-11-6,1-11-3,2-12-40");
        assertThat(pos(p.toString())).isEqualTo(p).hasSameHashCodeAs(p);
    }

    @Test
    void shouldRejectTwoGtidsInOneDomain() {
        assertThatThrownBy(() -> pos("0-11-5,0-13-6"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("domain 0")
                .hasMessageContaining("'0-11-5'")
                .hasMessageContaining("'0-13-6'");
    }

    @Test
    void shouldRejectMalformedPartNamingIt() {
        assertThatThrownBy(() -> pos("0-11-6,1-x-3"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("server id 'x'")
                .hasMessageContaining("'0-11-6,1-x-3'");
        assertThatThrownBy(() -> pos("0-11-6,,1-1-3"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("empty element");
    }

    @Test
    void shouldReachLowerOrSameGtidInEveryDomainOfTheTarget() {
        MariaDbGtidPosition replica = pos("0-11-6,1-12-3");
        assertThat(replica.hasReached(pos("0-11-5"))).isTrue();
        assertThat(replica.hasReached(pos("0-11-6,1-12-3"))).isTrue();
        assertThat(replica.hasReached(pos("0-11-7"))).isFalse();
        assertThat(replica.hasReached(pos("0-11-6,1-12-4"))).isFalse();
        assertThat(replica.hasReached(MariaDbGtidPosition.empty())).isTrue();
        assertThat(MariaDbGtidPosition.empty().hasReached(replica)).isFalse();
    }

    @Test
    void shouldNotReachDomainItLacks() {
        assertThat(pos("0-11-100").hasReached(pos("0-11-1,7-11-1"))).isFalse();
    }

    @Test
    void shouldIgnoreDomainsOnlyTheReachingSideHas() {
        assertThat(pos("0-11-6,9-30-500").hasReached(pos("0-11-6"))).isTrue();
    }

    @Test
    void shouldNotReachSameSeqFromAnotherServer() {
        // 0-13-6 and 0-11-6 are two different sixth transactions of domain 0: the histories split.
        assertThat(pos("0-13-6").hasReached(pos("0-11-6"))).isFalse();
        assertThat(pos("0-13-7").hasReached(pos("0-11-6"))).isTrue();
    }

    @Test
    void shouldTellContainmentAsTheOtherSideReachingThisOne() {
        MariaDbGtidPosition behind = pos("0-11-5");
        MariaDbGtidPosition ahead = pos("0-11-6");
        assertThat(behind.isContainedWithin(ahead)).isTrue();
        assertThat(ahead.isContainedWithin(behind)).isFalse();
        assertThat(MariaDbGtidPosition.empty().isContainedWithin(behind)).isTrue();
    }

    @Test
    void shouldCountSequenceNumbersBehindPerDomain() {
        MariaDbGtidPosition source = pos("0-11-15,1-12-4");
        assertThat(pos("0-11-10,1-12-4").seqBehind(source)).isEqualTo(5);
        assertThat(pos("0-11-10").seqBehind(source)).isEqualTo(9);
        assertThat(pos("0-11-20,1-12-5").seqBehind(source)).isZero();
        assertThat(source.seqBehind(source)).isZero();
        assertThat(pos("0-1-0").seqBehind(pos("0-1-18446744073709551615"))).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void shouldReplaceTheDomainsGtidWith() {
        MariaDbGtidPosition p = pos("0-11-6,1-12-3");
        assertThat(p.with(MariaDbGtid.parse("0-13-7"))).hasToString("0-13-7,1-12-3");
        assertThat(p.with(MariaDbGtid.parse("2-1-1"))).hasToString("0-11-6,1-12-3,2-1-1");
        assertThat(p).hasToString("0-11-6,1-12-3");
    }

    @Test
    void shouldShowReplicaBehindItsTwinInDuplicateServerIdCapture() {
        // Two replicas with one server_id knock each other off the source: a3 falls behind a2.
        MariaDbGtidPosition a2 = ioPos("a2 (mariadb");
        MariaDbGtidPosition a3 = ioPos("a3 (mariadb");
        assertThat(a2).hasToString("0-11-15");
        assertThat(a3).hasToString("0-11-10");
        assertThat(a2.hasReached(a3)).isTrue();
        assertThat(a3.hasReached(a2)).isFalse();
        assertThat(a3.seqBehind(a2)).isEqualTo(5);
    }

    @Test
    void shouldReadPositionsOfErrantMariadbCapture() {
        Row source = Captures.section("mariadb-errant-gtid.txt", "a1 GTID variables").get(0);
        Row replica = Captures.section("mariadb-errant-gtid.txt", "a3 GTID variables").get(0);
        MariaDbGtidPosition sourcePos = pos(source.text("@@GLOBAL.gtid_current_pos"));
        MariaDbGtidPosition replicaCurrent = pos(replica.text("@@GLOBAL.gtid_current_pos"));
        MariaDbGtidPosition replicaSlave = pos(replica.text("@@GLOBAL.gtid_slave_pos"));
        assertThat(pos(source.text("@@GLOBAL.gtid_slave_pos")).isEmpty()).isTrue();
        // The replica's own errant 0-13-6 holds the sixth place the source filled with 0-11-6.
        assertThat(replicaCurrent.hasReached(sourcePos)).isFalse();
        assertThat(replicaSlave.hasReached(sourcePos)).isFalse();
        assertThat(replicaSlave.seqBehind(sourcePos)).isEqualTo(1);
    }

    private static MariaDbGtidPosition ioPos(String header) {
        return pos(Captures.section("mariadb-dup-replica-id.txt", header).get(0).text("Gtid_IO_Pos"));
    }
}
