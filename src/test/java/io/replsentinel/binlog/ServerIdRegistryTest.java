package io.replsentinel.binlog;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class ServerIdRegistryTest {

    @Test
    void anUnreachableInstance_keepsTheIdsItShowedLast_aReachableOneReplacesThem() {
        ServerIdRegistry registry = new ServerIdRegistry();
        registry.record("c", "r1:3306", Set.of(2L, 1L), true);
        registry.record("c", "r2:3306", Set.of(3L), true);
        assertThat(registry.seen()).containsExactlyInAnyOrder(1L, 2L, 3L);

        registry.record("c", "r1:3306", Set.of(), false);
        assertThat(registry.seen()).containsExactlyInAnyOrder(1L, 2L, 3L);

        registry.record("c", "r1:3306", Set.of(7L, 1L), true);
        registry.record("c", "r1:3306", Set.of(7L, 1L), true);
        assertThat(registry.seen()).containsExactlyInAnyOrder(1L, 3L, 7L);

        registry.record("c", "r9:3306", Set.of(), false);
        assertThat(registry.seen()).containsExactlyInAnyOrder(1L, 3L, 7L);
    }

    @Test
    void awaitPolled_wakesWhenTheLastInstanceIsFirstPolled_andNotBefore() throws Exception {
        ServerIdRegistry registry = new ServerIdRegistry();
        registry.record("c", "r1:3306", Set.of(1L), true);
        CountDownLatch waiting = new CountDownLatch(1);
        CompletableFuture<Boolean> polled = CompletableFuture.supplyAsync(() -> {
            waiting.countDown();
            try {
                return registry.awaitPolled(List.of("c/r1:3306", "c/r2:3306"), Duration.ofSeconds(30));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        assertThat(waiting.await(10, TimeUnit.SECONDS)).isTrue();
        // polls of an instance it already saw wake no one who waits for another
        registry.record("c", "r1:3306", Set.of(1L), true);
        assertThat(polled).isNotDone();

        registry.record("c", "r2:3306", Set.of(2L), false);
        assertThat(polled.get(10, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void awaitPolled_givesUpAtItsTimeout() throws Exception {
        ServerIdRegistry registry = new ServerIdRegistry();
        assertThat(registry.awaitPolled(List.of("c/never:3306"), Duration.ofMillis(50))).isFalse();
    }
}
