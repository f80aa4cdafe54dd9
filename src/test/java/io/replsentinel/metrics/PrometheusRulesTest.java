package io.replsentinel.metrics;

import io.replsentinel.lab.LabInstall;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** The Prometheus rules in {@code alerts/} are valid, pass their promtool tests and name real metrics. */
class PrometheusRulesTest {

    private static final Path RULES = Path.of("alerts/repl-sentinel.rules.yml");

    private static String promtool(String... args) throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>(List.of(LabInstall.get().promtool().toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out;
    }

    @Test
    void rulesFile_passesPromtoolCheck() throws Exception {
        assertThat(promtool("check", "rules", RULES.toString())).contains("SUCCESS");
    }

    @Test
    void everyAlert_firesJustAfterItsForAndNotBefore() throws Exception {
        assertThat(promtool("test", "rules", "alerts/tests/repl-sentinel.test.yml")).contains("SUCCESS");
    }

    @Test
    void rules_nameOnlyMetricsTheServiceExports() throws IOException {
        Set<String> exported = Set.of("mysql_instance_up", "mysql_replication_configured",
                "mysql_replication_io_thread_running", "mysql_replication_io_thread_connecting",
                "mysql_replication_sql_thread_running", "mysql_replication_lag_seconds",
                "mysql_replication_heartbeat_lag_seconds", "mysql_replication_last_io_errno",
                "mysql_replication_last_sql_errno", "sentinel_events_published_total",
                "sentinel_events_dead_lettered_total", "sentinel_events_dropped_total", "sentinel_polls_skipped_total");
        Set<String> named = new TreeSet<>();
        Matcher m = Pattern.compile("\\b((?:mysql|sentinel)_[a-z_]+)").matcher(Files.readString(RULES));
        while (m.find()) {
            named.add(m.group(1));
        }
        assertThat(named).isNotEmpty().isSubsetOf(exported);
    }
}
