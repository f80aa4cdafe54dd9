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
}
