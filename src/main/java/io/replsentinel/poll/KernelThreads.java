package io.replsentinel.poll;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What the kernel says a poll worker is doing, where it says it ({@code /proc}, Linux): whether
 * the thread has work to do (running, or runnable and waiting for a CPU) or sleeps (waiting on a
 * socket for the server's answer, or on a lock). A poll past its deadline whose worker is runnable
 * has not been kept waiting by the instance but by the service's own CPU; one whose worker sleeps
 * is waiting on the instance. Elsewhere (no {@code /proc}) nothing is known and every poll past its
 * deadline counts as the instance's.
 */
final class KernelThreads {

    /** The calling thread's id in {@code /proc/self/task}; -1 where there is none. */
    private static final ThreadLocal<Integer> TID = ThreadLocal.withInitial(KernelThreads::readTid);

    private KernelThreads() {
    }

    /** The calling thread's kernel thread id, -1 where it cannot be read. */
    static int current() {
        return TID.get();
    }

    private static int readTid() {
        try {
            // "/proc/thread-self" links to "<pid>/task/<tid>" of the thread that reads it
            return Integer.parseInt(Files.readSymbolicLink(Path.of("/proc/thread-self")).getFileName().toString());
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * True when thread {@code tid} of this process is running or runnable (state {@code R} in its
     * {@code stat}); false when it sleeps, is gone, or nothing can be read.
     */
    static boolean runnable(int tid) {
        if (tid < 0) {
            return false;
        }
        try {
            String stat = Files.readString(Path.of("/proc/self/task/" + tid + "/stat"));
            // "tid (name) S ...": the name may hold spaces and parentheses, the state follows the last ')'
            int close = stat.lastIndexOf(')');
            return close > 0 && close + 2 < stat.length() && stat.charAt(close + 2) == 'R';
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }
}
