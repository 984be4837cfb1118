package voicebroker.adversarial;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * A process's resource use, read from {@code /proc}: open file descriptors ({@code /proc/PID/fd}), threads and
 * resident memory ({@code /proc/PID/status}). Leak checks compare a baseline with the state after an attack,
 * giving the broker a settle window to close what it should close.
 */
record Vitals(int fds, int threads, long rssKib) {

    static Vitals of(long pid) {
        Path proc = Path.of("/proc", Long.toString(pid));
        int fds;
        try (Stream<Path> entries = Files.list(proc.resolve("fd"))) {
            fds = (int) entries.count();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + proc.resolve("fd") + " (is the broker still running?)", e);
        }
        int threads = -1;
        long rss = -1;
        try {
            for (String line : Files.readAllLines(proc.resolve("status"))) {
                if (line.startsWith("Threads:")) {
                    threads = Integer.parseInt(line.substring(8).strip());
                } else if (line.startsWith("VmRSS:")) {
                    rss = Long.parseLong(line.substring(6).replace("kB", "").strip());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Vitals(fds, threads, rss);
    }

    /**
     * Waits until the process is back within {@code fdSlack} descriptors and {@code threadSlack} threads of the
     * baseline, polling every 100 ms for at most {@code window}; fails with what is still open otherwise.
     */
    static Vitals awaitSettled(long pid, Vitals baseline, int fdSlack, int threadSlack, Duration window) {
        long deadline = System.nanoTime() + window.toNanos();
        Vitals now = of(pid);
        while (now.fds > baseline.fds + fdSlack || now.threads > baseline.threads + threadSlack) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("resources did not settle within " + window + ": baseline " + baseline + ", now "
                        + now + " (allowed +" + fdSlack + " fds, +" + threadSlack + " threads); open: " + openFiles(pid) + "; threads: "
                        + threadNames(pid));
            }
            sleep(100);
            now = of(pid);
        }
        return now;
    }

    /** What the descriptors point at ("socket:[123]", files), for a failure message. */
    static List<String> openFiles(long pid) {
        List<String> targets = new ArrayList<>();
        try (Stream<Path> entries = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            entries.forEach(fd -> {
                try {
                    targets.add(Files.readSymbolicLink(fd).toString());
                } catch (IOException gone) {
                    // closed while we looked
                }
            });
        } catch (IOException e) {
            targets.add("(unreadable: " + e + ")");
        }
        return targets;
    }

    /** The names of the process's threads (from /proc/PID/task/TID/comm, cut to 15 characters by the kernel). */
    static List<String> threadNames(long pid) {
        List<String> names = new ArrayList<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            tasks.forEach(task -> {
                try {
                    names.add(Files.readString(task.resolve("comm")).strip());
                } catch (IOException gone) {
                    // the thread ended while we looked
                }
            });
        } catch (IOException e) {
            names.add("(unreadable: " + e + ")");
        }
        names.sort(null);
        return names;
    }

    static void sleep(long millis) {
        voicebroker.testkit.Pause.millis(millis);
    }
}
