package io.replsentinel.fleet;

import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.interceptor.Interceptor;

import java.time.Duration;

/**
 * In every Quarkus test, start-up ends once this node owns its share of the fleet: with the fleet
 * shared (the default) nothing is polled before the rules engine's consumer group assigns the status
 * partitions, and a test that began before that would race the first assignment. The last start-up
 * observer, so the status consumer is already joining its group.
 */
@ApplicationScoped
class FirstShareAtStartup {

    /** A node alone on the test broker is assigned in well under a second; a loaded machine may take some. */
    static final Duration WAIT = Duration.ofSeconds(60);

    void awaitFirstShare(@Observes @Priority(Interceptor.Priority.LIBRARY_AFTER + 900) StartupEvent event,
                         ClusterOwnership ownership) throws InterruptedException {
        if (!ownership.awaitFirstShare(WAIT)) {
            throw new IllegalStateException("No status partition was assigned to this node within " + WAIT.toSeconds()
                    + " s of start-up: the rules engine's consumer group (repl-sentinel-rules) did not answer");
        }
    }
}
