package io.replsentinel.ops;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The metric-name extraction the dashboard test relies on to catch a panel naming a metric nobody exports. */
class PromQlTest {

    @Test
    void namesTheMetricsAndNotFunctionsLabelsRangesOrKeywords() {
        assertThat(PromQl.metricNames("histogram_quantile(0.99, sum by (le) (rate(sentinel_poll_duration_seconds_bucket[$__rate_interval])))"))
                .containsExactly("sentinel_poll_duration_seconds_bucket");
        assertThat(PromQl.metricNames("sum by (cluster) (mysql_replication_configured == 1 unless "
                + "(mysql_replication_io_thread_running{cluster=~\"a|b\"} == 1 and mysql_replication_sql_thread_running == 1))"))
                .containsExactly("mysql_replication_configured", "mysql_replication_io_thread_running",
                        "mysql_replication_sql_thread_running");
        assertThat(PromQl.metricNames("count(mysql_instance_up == 0) or vector(0)")).containsExactly("mysql_instance_up");
        assertThat(PromQl.metricNames("ALERTS{alertstate=\"firing\"} offset 5m")).containsExactly("ALERTS");
        assertThat(PromQl.metricNames("label_values(mysql_instance_up, cluster)")).contains("mysql_instance_up");
    }

    @Test
    void aMisspelledMetricIsNamed() {
        assertThat(PromQl.metricNames("rate(sentinel_events_publish_total[5m]) * 1e3"))
                .containsExactly("sentinel_events_publish_total");
    }
}
