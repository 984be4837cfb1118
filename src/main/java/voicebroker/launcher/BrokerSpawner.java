package voicebroker.launcher;

import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Starts {@code voice serve} as a background child and waits for its readiness line. The child gets the
 * launcher's environment (key and base included: by environment only) plus VOICE_LOG_FILE, the launcher's
 * working directory (so it reads the same {@code .env}), a stdout pipe read only until the readiness line, a
 * stderr file in the runtime directory, and an empty stdin. It depends on nothing of the launcher afterwards.
 */
public final class BrokerSpawner {
    /** Read by ServeCommand: where the broker writes its own (capped, rotated) log. */
    public static final String LOG_FILE_VARIABLE = "VOICE_LOG_FILE";
    /** The broker's log is capped at this size, with one older file kept. */
    public static final long LOG_FILE_MAX_BYTES = 1024 * 1024;
    private static final int DIAGNOSTIC_LINES = 6;

    record Spawned(long pid, String url, Duration readyAfter) {
    }

    private BrokerSpawner() {
    }

    static Spawned spawn(BrokerCommand command, LaunchEnvironment environment, LaunchFiles files, Duration timeout)
            throws LaunchException {
        long logStart = FileTail.size(files.log());
        long started = System.nanoTime();
        Process process = start(command, environment, files);
        Optional<ReadinessWatch.ReadyLine> ready;
        try {
            ready = ReadinessWatch.await(process.getInputStream(), timeout);
        } catch (TimeoutException e) {
            kill(process);
            throw LaunchException.timeout("the broker did not report ready within " + timeout.toSeconds() + " s; its last output: "
                    + FileTail.describe(lastOutput(files, logStart)), "look at " + files.log() + " and " + files.stderr()
                    + "; a slow machine may need VOICE_START_TIMEOUT (seconds).");
        }
        if (ready.isEmpty()) {
            throw exitedEarly(process, files, logStart);
        }
        return new Spawned(ready.get().pid(), ready.get().url(), Duration.ofNanos(System.nanoTime() - started));
    }

    private static Process start(BrokerCommand command, LaunchEnvironment environment, LaunchFiles files) throws LaunchException {
        ProcessBuilder builder = new ProcessBuilder(command.argv());
        Map<String, String> childEnvironment = builder.environment();
        childEnvironment.clear();
        childEnvironment.putAll(environment.childVariables());
        childEnvironment.put(LOG_FILE_VARIABLE, files.log().toString());
        try {
            LaunchFiles.createPrivateFile(files.stderr());
            builder.redirectOutput(Redirect.PIPE).redirectError(Redirect.to(files.stderr().toFile())).redirectInput(Redirect.PIPE);
            Process process = builder.start();
            process.getOutputStream().close();
            return process;
        } catch (IOException e) {
            throw LaunchException.failed("the broker process could not be started with " + command.java() + " ("
                    + e.getMessage() + ").", "check that VOICE_JAVA (or this JVM's java) runs, and that " + files.runtimeDir() + " is writable.");
        }
    }

    /** Standard output ended without the readiness line: the child exited; say why, in its own words. */
    private static LaunchException exitedEarly(Process process, LaunchFiles files, long logStart) {
        int exitCode = exitCode(process);
        List<String> said = lastOutput(files, logStart);
        if (said.stream().anyMatch(line -> line.contains("port_in_use"))) {
            return LaunchException.portInUse(files.port(), "another program (it took the port while the broker was starting)");
        }
        return LaunchException.failed("the broker exited with code " + exitCode + " before it was ready; it said: "
                + FileTail.describe(said), "fix what the message names (configuration comes from the environment and .env); "
                + "full output in " + files.stderr() + " and " + files.log() + ".");
    }

    /** SIGKILL, then a short wait so the port and files are free when the caller answers. */
    private static void kill(Process process) {
        process.destroyForcibly();
        try {
            process.waitFor(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static int exitCode(Process process) {
        try {
            if (process.waitFor(5, TimeUnit.SECONDS)) {
                return process.exitValue();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        kill(process);
        return -1;
    }

    /** What this child wrote: its log since it started, then its stderr (where fatal messages go), newest last. */
    private static List<String> lastOutput(LaunchFiles files, long logStart) {
        List<String> lines = new java.util.ArrayList<>(FileTail.lastLines(files.log(), DIAGNOSTIC_LINES, logStart));
        lines.addAll(FileTail.lastLines(files.stderr(), DIAGNOSTIC_LINES));
        return lines.subList(Math.max(0, lines.size() - DIAGNOSTIC_LINES), lines.size());
    }
}
