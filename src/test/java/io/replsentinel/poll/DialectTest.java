package io.replsentinel.poll;

import org.junit.jupiter.api.Test;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

class DialectTest {

    private static final Pattern VARIABLE = Pattern.compile("@@([a-z_.]+)");

    /**
     * The poller keeps its connection between polls, and a session copies binlog_format,
     * binlog_row_image (and on MariaDB server_id) from the global value once, when it connects: a
     * plain {@code @@binlog_row_image} would never see {@code SET GLOBAL binlog_row_image='MINIMAL'}.
     */
    @Test
    void everyDialectReadsTheServersSettings_neverItsOwnSessionCopies() {
        for (Dialect d : Dialect.values()) {
            Matcher m = VARIABLE.matcher(d.variablesSql(true));
            int variables = 0;
            while (m.find()) {
                variables++;
                assertThat(m.group(1)).as(d + ": " + m.group()).startsWith("global.");
            }
            assertThat(variables).as(d.name()).isGreaterThanOrEqualTo(8);
        }
    }
}
