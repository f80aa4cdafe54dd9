package io.replsentinel.lab;

import java.io.IOException;

/**
 * Any other process started under the lab's process hygiene ({@link LabProcesses}: a pid file, a
 * watchdog that kills it when this JVM dies, stopped only by its PID), e.g. the service itself as
 * the sandbox runs it.
 */
public final class LabCommand {

    private LabCommand() {
    }

    /** Starts {@code pb}; {@code marker} is a string of its command line that identifies it in a stale pid file. */
    public static Process start(ProcessBuilder pb, String name, String marker) throws IOException {
        return LabProcesses.start(pb, name, marker);
    }

    /** SIGTERM by PID, SIGKILL after {@code seconds}. */
    public static void stop(Process process, String name, long seconds) {
        LabProcesses.stop(process, name, seconds);
    }

    /** A free TCP port of 127.0.0.1. */
    public static int freePort() {
        return LabProcesses.freePort();
    }
}
