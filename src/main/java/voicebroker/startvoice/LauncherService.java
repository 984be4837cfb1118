package voicebroker.startvoice;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import voicebroker.launcher.LaunchException;

/**
 * The dev server's warm launcher: reads {@link LauncherProtocol} lines until its input ends, judges each on a
 * worker thread (so a click waiting for a start does not hold up a refusal), and writes each answer as one
 * line. It keeps one {@link StartVoiceHandler} per set of settings for its whole life, so the dashboard-token
 * failure throttle counts across requests. Everything a request costs before its checks pass is one line
 * parsed: no process is started, and a warm click (a broker already runs) is answered from here.
 */
public final class LauncherService {
    private final Function<StartVoiceHandler.Settings, StartVoiceHandler> handlers;
    private final Map<StartVoiceHandler.Settings, StartVoiceHandler> bySettings = new ConcurrentHashMap<>();
    private final OutputStream out;
    private final ExecutorService workers = Executors.newCachedThreadPool(daemonThreads());
    /** Set when this process begins to exit: an answer now could name a broker that is closing with it. */
    private final AtomicBoolean exiting = new AtomicBoolean();

    /** @param handlers makes the handler for one set of the plugin's settings (called once per distinct settings) */
    public LauncherService(Function<StartVoiceHandler.Settings, StartVoiceHandler> handlers, OutputStream out) {
        this.handlers = handlers;
        this.out = out;
    }

    /** Says it is ready, then serves every line of {@code in}; returns when the input ends (the dev server went away). */
    public void serve(InputStream in) throws IOException {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> exiting.set(true), "launcher-exiting"));
        write(LauncherProtocol.ready(ProcessHandle.current().pid()));
        for (Optional<byte[]> line = readLine(in); line.isPresent(); line = readLine(in)) {
            byte[] request = line.get();
            workers.execute(() -> answerUnlessExiting(request));
        }
        workers.shutdown();
    }

    /**
     * Requests still unanswered when this process exits get no answer from it: the plugin sends them once more to
     * the launcher it starts next.
     */
    private void answerUnlessExiting(byte[] request) {
        byte[] answer = answer(request);
        if (!exiting.get()) {
            write(answer);
        }
    }

    /** Every line gets an answer, whatever happens: the dev server is waiting for one. */
    private byte[] answer(byte[] line) {
        try {
            LauncherProtocol.Input input = LauncherProtocol.parse(line);
            StartVoiceHandler handler = bySettings.computeIfAbsent(input.settings(), handlers);
            return LauncherProtocol.render(Optional.of(input.id()), handler.handle(input.request()));
        } catch (LauncherProtocol.ProtocolException e) {
            return LauncherProtocol.render(LauncherProtocol.idOf(line), failure("the dev server plugin sent a request the launcher "
                    + "cannot read: " + e.getMessage() + ".", "use the voice-broker plugin and launcher of the same version."));
        } catch (RuntimeException e) {
            return LauncherProtocol.render(LauncherProtocol.idOf(line), failure("the launcher failed unexpectedly ("
                    + e.getClass().getSimpleName() + ").", "see the dev server's log; './voice doctor' checks every precondition."));
        }
    }

    private static StartVoiceHandler.Response failure(String message, String hint) {
        LaunchException failed = LaunchException.failed(message, hint);
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", "application/json; charset=utf-8");
        headers.put("Cache-Control", "no-store");
        return new StartVoiceHandler.Response(failed.httpStatus(), failed.body(), headers);
    }

    /** One line without its newline, or empty at the end of input; a line over the limit is skipped and reported. */
    private static Optional<byte[]> readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        boolean tooLong = false;
        for (int b = in.read(); b != -1; b = in.read()) {
            if (b == '\n') {
                return Optional.of(tooLong ? new byte[LauncherProtocol.MAX_INPUT_BYTES + 1] : line.toByteArray());
            }
            if (line.size() < LauncherProtocol.MAX_INPUT_BYTES) {
                line.write(b);
            } else {
                tooLong = true;
            }
        }
        return line.size() == 0 ? Optional.empty() : Optional.of(line.toByteArray());
    }

    private synchronized void write(byte[] line) {
        try {
            out.write(line);
            out.write('\n');
            out.flush();
        } catch (IOException e) {
            // the dev server closed our output: it is going away, and our input ends next
        }
    }

    private static java.util.concurrent.ThreadFactory daemonThreads() {
        AtomicInteger count = new AtomicInteger();
        return task -> {
            Thread thread = new Thread(task, "launcher-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
