package io.replsentinel.ops;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.replsentinel.kafka.KafkaBrokerResource;
import io.replsentinel.lab.DbServer;
import io.replsentinel.lab.Faults;
import io.replsentinel.lab.Topology;
import io.replsentinel.pipeline.Lab;
import io.replsentinel.pipeline.LabResource;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.net.URI;
import java.net.URL;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The console in a real headless Chromium against the service watching the lab's real MySQL
 * topology: a replica's applier broken by a duplicate key turns its edge red and lists its alert
 * with the evidence and a runbook link that opens its section; the repair turns it green again.
 */
@QuarkusTest
@WithTestResource(value = KafkaBrokerResource.class, scope = TestResourceScope.GLOBAL)
@WithTestResource(value = LabResource.class, scope = TestResourceScope.GLOBAL)
class ConsoleBrowserTest {

    private static final String SQL_STOPPED = "ReplicationSqlThreadStopped";
    /** Generous: the page polls every 2 s and the machine is shared; a healthy run takes a few seconds. */
    private static final Duration SHOWN = Duration.ofSeconds(45);
    private static final int ROW_ID = 880_001;

    @TestHTTPResource("/")
    URL console;

    private static String edge(DbServer replica) {
        return "g.edge[data-replica='" + replica.id() + "']";
    }

    private static String alertRow(String table, String alertname, DbServer instance) {
        return "#" + table + " tr[data-alertname='" + alertname + "'][data-instance='" + instance.id() + "']";
    }

    @Test
    void replicaApplierBrokenByDuplicateKey_turnsItsEdgeRedAndListsTheAlert_thenGreenAgainOnRepair() {
        Topology topology = Lab.mysql();
        DbServer replica = topology.replicas().get(0);
        Faults faults = new Faults(topology);
        try (Browser browser = new Browser()) {
            ChromeDriver page = browser.driver();
            WebDriverWait wait = new WebDriverWait(page, SHOWN, Duration.ofMillis(250));
            // the console redraws its graph and lists on every refresh: an element found a moment ago
            // may be replaced before it is read, so every read happens inside a wait that tries again
            wait.ignoring(StaleElementReferenceException.class);
            page.get(console + "#" + Lab.MYSQL_CLUSTER);

            // healthy: both replicas' edges from the source, green, with their lag
            wait.until(d -> d.findElements(By.cssSelector("g.edge[data-state='ok']")).size() == topology.replicas().size());
            for (DbServer r : topology.replicas()) {
                wait.until(d -> {
                    WebElement e = d.findElement(By.cssSelector(edge(r)));
                    return topology.source().id().equals(e.getDomAttribute("data-source")) && e.getText().contains("lag");
                });
            }
            wait.until(d -> d.findElement(By.id("cluster-primary")).getText().contains(topology.source().id()));
            wait.until(d -> d.findElement(By.cssSelector("aside a[data-cluster='" + Lab.MYSQL_CLUSTER + "']"))
                    .getAttribute("class").contains("selected"));
            // nothing to approve exists yet: the place for it says so, with no made-up command
            assertThat(page.findElement(By.id("remediation")).getText()).contains("does not propose remediation commands yet");

            String runbook;
            faults.duplicateKeyOnReplica(replica, ROW_ID);
            try {
                wait.until(d -> "broken".equals(d.findElement(By.cssSelector(edge(replica))).getDomAttribute("data-state")));
                wait.until(d -> d.findElement(By.cssSelector(edge(replica))).getText().contains("SQL stopped"));
                String[] rowText = new String[1];
                runbook = wait.until(d -> {
                    WebElement row = first(d.findElements(By.cssSelector(alertRow("firing", SQL_STOPPED, replica))));
                    if (row == null) {
                        return null;
                    }
                    rowText[0] = row.getText();
                    return row.findElement(By.cssSelector("a.runbook")).getDomAttribute("href");
                });
                assertThat(rowText[0]).contains("critical").contains("cause=duplicate_key").contains("1062");
                wait.until(d -> d.findElement(By.cssSelector("g.node[data-instance='" + replica.id() + "']"))
                        .getDomAttribute("class").contains("alerting"));
                // the other replica's edge stays green
                String otherEdge = wait.until(d -> d.findElement(By.cssSelector(edge(topology.replicas().get(1))))
                        .getDomAttribute("data-state"));
                assertThat(otherEdge).isEqualTo("ok");
                Path shot = browser.screenshot("console-broken-replica");
                System.out.println("[console] screenshot " + shot.toAbsolutePath());
            } finally {
                faults.repairDuplicateKey(replica, ROW_ID);
            }

            wait.until(d -> "ok".equals(d.findElement(By.cssSelector(edge(replica))).getDomAttribute("data-state")));
            wait.until(d -> !d.findElements(By.cssSelector(alertRow("resolved", SQL_STOPPED, replica))).isEmpty());
            assertThat(page.findElements(By.cssSelector(alertRow("firing", SQL_STOPPED, replica)))).isEmpty();

            // the runbook link opens its own section (external-url names the deployed address, not the test port)
            URI link = URI.create(runbook);
            assertThat(link.getPath()).isEqualTo("/runbooks");
            assertThat(link.getFragment()).isEqualTo(SQL_STOPPED.toLowerCase());
            page.get(console.toString().replaceAll("/$", "") + link.getPath() + "#" + link.getFragment());
            WebElement target = wait.until(d -> first(d.findElements(By.cssSelector("h2:target"))));
            assertThat(target.getText()).isEqualTo(SQL_STOPPED);
        }
    }

    private static WebElement first(List<WebElement> elements) {
        return elements.isEmpty() ? null : elements.get(0);
    }
}
