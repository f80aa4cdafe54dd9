package io.replsentinel.lab;

import java.io.IOException;

/**
 * Starts a process of a test outside the lab package (a service node, say) under the lab's
 * process tracking: a pid file and a watchdog, so it is killed by PID even when the test JVM dies.
 */
public final class LabProcess {

    private LabProcess() {
    }

    /** Starts {@code pb}; {@code marker} is a string of its command line that tells it apart (its data dir, a port). */
    public static Process start(ProcessBuilder pb, String name, String marker) throws IOException {
        return LabProcesses.start(pb, name, marker);
    }

    /** SIGKILL by PID, and forgets it. */
    public static void kill(Process p, String name) {
        LabProcesses.kill(p, name);
    }
}
