package io.replsentinel.alerting;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** How Slack's answers to a webhook post decide between done, retry and give up. */
class SlackNotifierTest {

    @Test
    void ok_isSent() {
        assertThat(SlackNotifier.verdict(200, "", "ok").verdict()).isEqualTo(DeliveryQueue.Verdict.SENT);
    }

    @Test
    void rateLimited_retriesNoSoonerThanRetryAfter() {
        DeliveryQueue.Attempt a = SlackNotifier.verdict(429, "17", "rate_limited");
        assertThat(a.verdict()).isEqualTo(DeliveryQueue.Verdict.RETRY);
        assertThat(a.retryAfter()).isEqualTo(Duration.ofSeconds(17));
        assertThat(SlackNotifier.verdict(429, "86400", "").retryAfter()).isEqualTo(Duration.ofMinutes(5));
        assertThat(SlackNotifier.verdict(429, "soon", "").retryAfter()).isEqualTo(Duration.ZERO);
    }

    @Test
    void slackDown_retries() {
        assertThat(SlackNotifier.verdict(503, "", "<html>Service Unavailable</html>").verdict())
                .isEqualTo(DeliveryQueue.Verdict.RETRY);
        assertThat(SlackNotifier.verdict(408, "", "").verdict()).isEqualTo(DeliveryQueue.Verdict.RETRY);
    }

    @Test
    void messageSlackWillNeverTake_isRefusedWithItsReason() {
        DeliveryQueue.Attempt a = SlackNotifier.verdict(400, "", "invalid_payload");
        assertThat(a.verdict()).isEqualTo(DeliveryQueue.Verdict.REFUSED);
        assertThat(a.detail()).isEqualTo("HTTP 400: invalid_payload");
        assertThat(SlackNotifier.verdict(404, "", "no_service").verdict()).isEqualTo(DeliveryQueue.Verdict.REFUSED);
    }
}
