package voicebroker.launcher;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * Looks at and stops broker processes by pid. A pid from a runtime file may have been recycled by an unrelated
 * program since, so nothing is ever signalled before its command line shows the broker jar.
 */
final class BrokerProcesses {
    /** The jar name every broker command line contains (Maven's finalName). */
    static final String JAR_NAME = "voice-broker.jar";
    static final Duration STOP_GRACE = Duration.ofSeconds(5);
    private static final Duration KILL_WAIT = Duration.ofSeconds(5);

    private BrokerProcesses() {
    }

    /**
     * Alive and not a zombie. The JDK counts an exited but not yet reaped process as alive; a broker the launcher
     * started is reaped by whatever adopted it when the launcher exited, which may take a while (or, under a
     * careless init, forever). A zombie holds no port and runs no code, so here it counts as gone.
     */
    static boolean isAlive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) && !isZombie(pid);
    }

    /** Linux tells in /proc/PID/stat (the state letter after the command name); elsewhere the JDK's answer stands. */
    private static boolean isZombie(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            int end = stat.lastIndexOf(')');
            char state = end > 0 && stat.length() > end + 2 ? stat.charAt(end + 2) : '?';
            return state == 'Z' || state == 'X';
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** Yes or no when the command line can be read; empty when the system does not tell. */
    static Optional<Boolean> runsBrokerJar(long pid) {
        return ProcessHandle.of(pid).flatMap(handle -> handle.info().commandLine()).map(line -> line.contains(JAR_NAME));
    }

    /** A live process whose command line shows the broker jar: the only kind {@link #stop} will signal. */
    static boolean isBroker(long pid) {
        return isAlive(pid) && runsBrokerJar(pid).orElse(false);
    }

    /**
     * SIGTERM (the broker's shutdown hook removes its runtime file), then SIGKILL after a grace period. The
     * caller has checked {@link #isBroker} under the launch lock.
     */
    static void stop(long pid, Duration grace) throws LaunchException {
        Optional<ProcessHandle> found = ProcessHandle.of(pid);
        if (found.isEmpty() || !found.get().isAlive()) {
            return;
        }
        ProcessHandle handle = found.get();
        handle.destroy();
        if (awaitExit(pid, grace)) {
            return;
        }
        handle.destroyForcibly();
        if (!awaitExit(pid, KILL_WAIT)) {
            throw LaunchException.failed("the broker (pid " + pid + ") did not exit after SIGTERM and SIGKILL.",
                    "check the process with 'ps -p " + pid + " -o pid,stat,cmd' and end it by hand.");
        }
    }

    /**
     * Polls, because the OS offers no exit notification for a process that is not our child (the JDK's onExit
     * polls too, and would also wait for a zombie to be reaped).
     */
    private static boolean awaitExit(long pid, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (isAlive(pid)) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return !isAlive(pid);
            }
        }
        return true;
    }
}
