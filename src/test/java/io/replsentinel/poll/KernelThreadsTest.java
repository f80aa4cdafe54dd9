package io.replsentinel.poll;

import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The kernel tells a poll worker with CPU work to do from one waiting on a server that does not
 * answer: a thread computing reads as runnable, a thread blocked reading a socket as not.
 */
class KernelThreadsTest {

    /** Where the spinning thread leaves its sum, so that its loop is not optimised away. */
    private static volatile long sink;

    @Test
    void aThreadComputingIsRunnable_aThreadWaitingOnASilentSocketIsNot() throws Exception {
        int self = KernelThreads.current();
        assertThat(self).as("this thread's id in /proc/self/task").isPositive();
        assertThat(KernelThreads.current()).isEqualTo(self);
        // the calling thread is running while it asks about itself
        assertThat(KernelThreads.runnable(self)).isTrue();

        AtomicBoolean spin = new AtomicBoolean(true);
        AtomicInteger spinner = new AtomicInteger(-1);
        Thread computing = new Thread(() -> {
            spinner.set(KernelThreads.current());
            long x = 0;
            while (spin.get()) {
                x += System.nanoTime() & 1; // work, never a sleep
            }
            sink = x;
        }, "spinner");
        try (ServerSocket silent = new ServerSocket(0)) {
            AtomicInteger reader = new AtomicInteger(-1);
            CountDownLatch connected = new CountDownLatch(1);
            Thread waiting = new Thread(() -> {
                reader.set(KernelThreads.current());
                try (Socket s = new Socket("127.0.0.1", silent.getLocalPort()); InputStream in = s.getInputStream()) {
                    connected.countDown();
                    in.read(); // the server side never writes: blocked until the socket closes
                } catch (Exception ignored) {
                    // the listener closed: the test is over
                }
            }, "silent-reader");
            computing.start();
            waiting.start();
            try (Socket accepted = silent.accept()) {
                connected.await();
                await().atMost(Duration.ofSeconds(10)).until(() -> spinner.get() > 0 && reader.get() > 0);
                await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                    assertThat(KernelThreads.runnable(spinner.get())).as("a thread computing").isTrue();
                    assertThat(KernelThreads.runnable(reader.get())).as("a thread blocked reading a silent socket")
                            .isFalse();
                });
            }
            waiting.join(10_000);
        } finally {
            spin.set(false);
            computing.join(10_000);
        }
        assertThat(KernelThreads.runnable(spinner.get())).as("a thread that has ended").isFalse();
        assertThat(KernelThreads.runnable(-1)).isFalse();
    }
}
