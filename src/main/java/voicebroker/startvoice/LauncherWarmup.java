package voicebroker.startvoice;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import voicebroker.launcher.InProcessBroker;
import voicebroker.launcher.LaunchEnvironment;
import voicebroker.launcher.LaunchException;
import voicebroker.launcher.Launcher;

/**
 * Readies the dev server's launcher for its first click, in the background, right after it says it is ready:
 * judges a few hundred made-up requests (so the judge and its JSON are loaded and compiled) and launches one
 * throwaway broker in this process the way a first click does, then stops it (so the configuration, lock,
 * inspection, server, upstream client, runtime file and log classes are loaded and initialised). The throwaway
 * broker holds no secret and reaches nothing: a dummy key, an upstream base on a closed loopback port, a free
 * port, a temporary runtime directory; it serves no request. It runs under the starter's lock, so a click
 * that comes meanwhile waits for it rather than sharing the process-wide log with it.
 */
final class LauncherWarmup {
    private static final int JUDGED = 400;
    private static final String ORIGIN = "http://localhost:5173";

    private LauncherWarmup() {
    }

    static void inBackground(DevServerStarter starter) {
        Thread thread = new Thread(() -> run(starter), "launcher-warmup");
        thread.setDaemon(true);
        thread.setPriority(Thread.MIN_PRIORITY);
        thread.start();
    }

    private static void run(DevServerStarter starter) {
        try {
            judge();
            starter.whileNoClickIsServed(LauncherWarmup::throwawayBroker);
        } catch (IOException | LaunchException | RuntimeException e) {
            // a warm-up that fails only means a slower first click
        }
    }

    private static void judge() throws IOException {
        StartVoiceHandler handler = new StartVoiceHandler(new StartVoiceHandler.Settings(List.of(ORIGIN), Set.of("localhost:5173"),
                Optional.empty(), Optional.empty()), (origins, page) -> new StartVoiceHandler.Started("http://127.0.0.1:1", "warmup", false, true));
        for (int i = 0; i < JUDGED; i++) {
            String origin = i % 2 == 0 ? ORIGIN : "http://evil.example";
            String line = "{\"id\":" + i + ",\"config\":{\"allowedOrigins\":[\"" + ORIGIN + "\"],\"allowedHosts\":[\"localhost:5173\"]},"
                    + "\"request\":{\"method\":\"POST\",\"peer\":\"127.0.0.1\",\"headers\":{\"host\":[\"localhost:5173\"],\"origin\":[\""
                    + origin + "\"],\"content-type\":[\"application/json\"],\"sec-fetch-site\":[\"same-origin\"]},\"body\":\"{}\"}}";
            try {
                LauncherProtocol.Input input = LauncherProtocol.parse(line.getBytes(StandardCharsets.UTF_8));
                LauncherProtocol.render(Optional.of(input.id()), handler.handle(input.request()));
            } catch (LauncherProtocol.ProtocolException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private static void throwawayBroker() throws IOException, LaunchException {
        Path dir = Files.createTempDirectory("voice-launcher-warmup");
        try {
            LaunchEnvironment environment = LaunchEnvironment.current(Map.of(
                    "OPENAI_API_KEY", "sk-test-launcher-warmup-00000000000000000000",
                    "OPENAI_BASE_URL", "http://127.0.0.1:" + freePort(),
                    "VOICE_PORT", Integer.toString(freePort()),
                    "VOICE_BIND", "127.0.0.1",
                    "VOICE_ALLOWED_ORIGINS", ORIGIN,
                    "VOICE_RUNTIME_DIR", dir.resolve("runtime").toString()));
            InProcessBroker host = new InProcessBroker();
            new Launcher(environment, line -> { }, host).start(List.of(ORIGIN));
            host.stop();
        } finally {
            try (Stream<Path> paths = Files.walk(dir)) {
                paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
            return socket.getLocalPort();
        }
    }
}
