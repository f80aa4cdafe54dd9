package io.replsentinel.poll;

import io.replsentinel.event.PollError;
import org.junit.jupiter.api.Test;

import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.sql.SQLException;

import static org.assertj.core.api.Assertions.assertThat;

class PollErrorsTest {

    private static SQLException linkFailure(Throwable cause) {
        return new SQLException("Communications link failure\n\nThe last packet sent successfully to the server was 0 milliseconds ago.",
                "08S01", 0, cause);
    }

    @Test
    void connectionRefused_isRefusedAndSaysSo() {
        PollError e = PollErrors.classify(linkFailure(new ConnectException("Connection refused")));
        assertThat(e.errorClass()).isEqualTo("refused");
        assertThat(e.message()).isEqualTo("Communications link failure: Connection refused");
        assertThat(e.errno()).isNull();
    }

    @Test
    void hungServer_isTimeout() {
        assertThat(PollErrors.classify(linkFailure(new SocketTimeoutException("Read timed out"))).errorClass()).isEqualTo("timeout");
    }

    @Test
    void unknownHost_isUnresolvable() {
        assertThat(PollErrors.classify(linkFailure(new UnknownHostException("db9.nowhere.invalid"))).errorClass())
                .isEqualTo("unresolvable");
    }

    @Test
    void accessDenied_isAuth() {
        PollError e = PollErrors.classify(new SQLException("Access denied for user 'sentinel'@'10.0.0.5' (using password: YES)", "28000", 1045));
        assertThat(e.errorClass()).isEqualTo("auth");
        assertThat(e.errno()).isEqualTo(1045);
    }

    @Test
    void replicaStatusDenied_isPrivileges() {
        assertThat(PollErrors.classify(new SQLException(
                "Access denied; you need (at least one of) the SUPER, SLAVE MONITOR privilege(s) for this operation", "42000", 1227))
                .errorClass()).isEqualTo("privileges");
    }
}
