package io.replsentinel.rules;

import io.replsentinel.poll.Captures;
import io.replsentinel.poll.Row;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class IoErrorCauseTest {

    private static String causeOf(String capture) {
        Row row = Captures.section(capture, "SHOW REPLICA STATUS").get(0);
        return IoErrorCause.of(row.intOrZero("Last_IO_Errno"), row.text("Last_IO_Error"));
    }

    @Test
    void purgedBinlogs_areSourceLogPurgedOnBothFlavors() {
        assertThat(causeOf("mysql-binlog-purged.txt")).isEqualTo(IoErrorCause.SOURCE_LOG_PURGED);
        assertThat(causeOf("mariadb-binlog-purged.txt")).isEqualTo(IoErrorCause.SOURCE_LOG_PURGED);
    }

    @Test
    void replicaWithSourcesServerId_isEqualServerIdOnBothFlavors() {
        assertThat(causeOf("mysql-same-id-as-source.txt")).isEqualTo(IoErrorCause.EQUAL_SERVER_ID);
        assertThat(causeOf("mariadb-same-id-as-source.txt")).isEqualTo(IoErrorCause.EQUAL_SERVER_ID);
    }

    @Test
    void twinServerUuid_isEqualServerUuidThoughTheErrnoIsThePurgedOne() {
        Row older = Captures.section("mysql-dup-replica-uuid.txt", "SHOW REPLICA STATUS").stream()
                .filter(r -> r.intOrZero("Last_IO_Errno") == 13114).findFirst().orElseThrow();
        assertThat(IoErrorCause.of(13114, older.text("Last_IO_Error"))).isEqualTo(IoErrorCause.EQUAL_SERVER_UUID);
    }

    @Test
    void sourceDown_isNetwork() {
        assertThat(causeOf("mariadb-source-down.txt")).isEqualTo(IoErrorCause.NETWORK);
    }

    @Test
    void accessDenied_isAuthAndTerminal() {
        assertThat(IoErrorCause.of(1045, "Access denied for user 'repl'@'localhost'")).isEqualTo(IoErrorCause.AUTH);
        assertThat(IoErrorCause.isTerminal(1045, null)).isTrue();
        assertThat(IoErrorCause.isTerminal(2003, null)).isFalse();
    }

    @Test
    void unknownError_isOther() {
        assertThat(IoErrorCause.of(0, null)).isEqualTo(IoErrorCause.OTHER);
        assertThat(IoErrorCause.of(1236, "binlog truncated in the middle of event")).isEqualTo(IoErrorCause.OTHER);
    }

    @Test
    void replicationUserWithoutReplicationSlave_isAuthAndTerminalOnBothFlavors() {
        String maria = "Master command COM_REGISTER_SLAVE failed: Access denied; you need (at least one of) the"
                + " REPLICATION SLAVE privilege(s) for this operation";
        String mysql = "Source command COM_REGISTER_REPLICA failed: Access denied; you need (at least one of) the"
                + " REPLICATION SLAVE privilege(s) for this operation (Errno: 1227)";
        assertThat(IoErrorCause.of(1597, maria)).isEqualTo(IoErrorCause.AUTH);
        assertThat(IoErrorCause.isTerminal(1597, maria)).isTrue();
        assertThat(IoErrorCause.of(13120, mysql)).isEqualTo(IoErrorCause.AUTH);
        assertThat(IoErrorCause.isTerminal(13120, mysql)).isTrue();
        assertThat(IoErrorCause.of(13114, "Got fatal error 1227 from source when reading data from binary log:"
                + " 'Access denied; you need (at least one of) the REPLICATION SLAVE privilege(s)'")).isEqualTo(IoErrorCause.AUTH);
    }

    @Test
    void registrationLostToTheNetwork_isNetworkAndHealsByRetrying() {
        String lost = "Master command COM_REGISTER_SLAVE failed: failed registering on master, reconnecting to try again";
        assertThat(IoErrorCause.of(1597, lost)).isEqualTo(IoErrorCause.NETWORK);
        assertThat(IoErrorCause.isTerminal(1597, lost)).isFalse();
    }

    @Test
    void hostNotAllowedIsAuth_andBlockedHostCannotHealByRetrying() {
        assertThat(IoErrorCause.of(1130, "Host '10.0.0.9' is not allowed to connect to this MySQL server")).isEqualTo(IoErrorCause.AUTH);
        assertThat(IoErrorCause.isTerminal(1129, "Host '10.0.0.9' is blocked because of many connection errors")).isTrue();
        assertThat(IoErrorCause.isTerminal(2013, "Lost connection to MySQL server")).isFalse();
    }
}
