package io.replsentinel.rules.user;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** A rule that fails on every poll is reported once per interval, with a count of the rest. */
class ErrorThrottleTest {

    @Test
    void firstErrorIsLogged_laterOnesCountedUntilTheIntervalHasPassed() {
        AtomicLong now = new AtomicLong(1_000);
        ErrorThrottle throttle = new ErrorThrottle(Duration.ofMinutes(5), now::get);
        assertThat(throttle.admit()).isZero();
        now.addAndGet(Duration.ofSeconds(1).toNanos());
        assertThat(throttle.admit()).isEqualTo(-1);
        now.addAndGet(Duration.ofMinutes(4).toNanos());
        assertThat(throttle.admit()).isEqualTo(-1);
        now.addAndGet(Duration.ofMinutes(1).toNanos());
        assertThat(throttle.admit()).isEqualTo(2);
        assertThat(throttle.admit()).isEqualTo(-1);
    }
}
