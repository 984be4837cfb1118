package voicebroker.e2e;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import voicebroker.testkit.BrokerProcess;
import voicebroker.testkit.FakeOpenAi;

/**
 * Drives whole calls through the example dashboard in headless Chromium, the way a user clicks:
 * <ul>
 *   <li>{@code --live} ({@code scripts/live-check}): one call against the real Realtime API with the
 *       {@code OPENAI_API_KEY} of the environment, reporting each step (mint, SDP answer, connected,
 *       session.created, first audio) with its time since the click, then hanging up;</li>
 *   <li>{@code --timings N} ({@code bench/call}): N calls against the fake upstream's WebRTC peer after one
 *       warm-up call, printing the medians of click → connected and click → first audio byte.</li>
 * </ul>
 * The key reaches the dev server (and so the broker) through its environment only, never an argument.
 */
public final class CallCheck {
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration AUDIO_TIMEOUT = Duration.ofSeconds(30);
    private static final String[][] STEPS = {
        {"mint", "time-mint"}, {"SDP answer", "time-sdp"}, {"connected (ICE, DTLS, events channel)", "time-connected"},
        {"session.created", "time-session-created"}, {"first audio byte", "time-first-audio"},
    };

    private CallCheck() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 1 && args[0].equals("--live")) {
            System.exit(live());
        } else if (args.length == 2 && args[0].equals("--timings")) {
            timings(Integer.parseInt(args[1]));
            System.exit(0);
        } else {
            System.err.println("usage: CallCheck --live | --timings N");
            System.exit(2);
        }
    }

    /** One real call; answers the exit code (0 when every step happened). */
    private static int live() throws Exception {
        Path runtimeDir = Files.createTempDirectory("voice-live-check");
        Map<String, String> env = new HashMap<>();
        for (String name : List.of("OPENAI_API_KEY", "OPENAI_BASE_URL", "HTTPS_PROXY", "https_proxy", "NO_PROXY")) {
            if (System.getenv(name) != null) {
                env.put(name, System.getenv(name));
            }
        }
        env.put("VOICE_PORT", String.valueOf(BrokerProcess.freePort()));
        env.put("VOICE_RUNTIME_DIR", runtimeDir.toString());
        long begun = System.nanoTime();
        try (DevServer dev = DevServer.start(env); Browser browser = new Browser()) {
            step("dev server and browser up", (System.nanoTime() - begun) / 1_000_000);
            browser.open(dev.origin() + "/?mic=1");
            browser.click("connect");
            String outcome = browser.awaitOutcome("connected", CALL_TIMEOUT);
            if (!outcome.equals("connected")) {
                report(browser);
                return fail(browser, "the call did not connect");
            }
            browser.click("respond");
            try {
                browser.waitFor("time-first-audio", text -> !text.isEmpty(), AUDIO_TIMEOUT);
            } catch (AssertionError noAudio) {
                report(browser);
                return fail(browser, "no audio arrived within " + AUDIO_TIMEOUT.toSeconds() + " s of asking for a reply");
            }
            report(browser);
            System.out.println("server events: " + browser.text("server-events"));
            browser.click("hangup");
            System.out.println("hung up; live check passed");
            return 0;
        } finally {
            DevServer.stopBrokersIn(runtimeDir);
        }
    }

    private static void report(Browser browser) {
        for (String[] step : STEPS) {
            String ms = browser.text(step[1]);
            System.out.println(String.format(Locale.ROOT, "%-40s %s", step[0], ms.isEmpty() ? "—" : ms + " ms after the click"));
        }
    }

    private static void step(String what, long ms) {
        System.out.println(String.format(Locale.ROOT, "%-40s %d ms", what, ms));
    }

    private static int fail(Browser browser, String what) {
        System.out.println("FAILED: " + what + ": " + browser.text("error-code") + " " + browser.text("error-message")
                + (browser.text("error-hint").isEmpty() ? "" : " (hint: " + browser.text("error-hint") + ")"));
        return 1;
    }

    /**
     * Medians of {@code runs} calls against the fake's WebRTC peer, after one warm-up call that starts the broker.
     * Each run clicks twice: first on a freshly loaded page (its client asks /__start_voice for the running
     * broker's token first), then again on the same page after hanging up (the client is kept).
     */
    private static void timings(int runs) throws Exception {
        Path runtimeDir = Files.createTempDirectory("voice-call-timings");
        try (FakeOpenAi fake = FakeOpenAi.http().withWebRtc().start();
             DevServer dev = DevServer.start(Map.of("OPENAI_API_KEY", FakeOpenAi.DEFAULT_KEY,
                     "OPENAI_BASE_URL", fake.baseUrl(), "VOICE_PORT", String.valueOf(BrokerProcess.freePort()),
                     "VOICE_RUNTIME_DIR", runtimeDir.toString()));
             Browser browser = new Browser()) {
            Map<String, List<Long>> fresh = emptyFigures();
            Map<String, List<Long>> again = emptyFigures();
            for (int run = 0; run <= runs; run++) {
                browser.open(dev.origin() + "/?mic=1");
                Map<String, Long> first = timedCall(browser);
                Map<String, Long> second = timedCall(browser);
                if (run > 0) {
                    first.forEach((field, ms) -> fresh.get(field).add(ms));
                    second.forEach((field, ms) -> again.get(field).add(ms));
                }
            }
            System.out.println("| figure | first click on a fresh page: median (min–max) | next click on the same page: median (min–max) |");
            System.out.println("| --- | --- | --- |");
            for (String[] step : STEPS) {
                System.out.println("| click → " + step[0] + " | " + summary(fresh.get(step[1])) + " | " + summary(again.get(step[1])) + " |");
            }
            System.out.println("\n" + runs + " runs of each after one warm-up call; times are the page's own (performance.now() from the click).");
        } finally {
            DevServer.stopBrokersIn(runtimeDir);
        }
    }

    private static Map<String, List<Long>> emptyFigures() {
        Map<String, List<Long>> figures = new LinkedHashMap<>();
        for (String[] step : STEPS) {
            figures.put(step[1], new ArrayList<>());
        }
        return figures;
    }

    /** Clicks Connect, waits for the call's audio and session.created, reads each step's time, hangs up. */
    private static Map<String, Long> timedCall(Browser browser) {
        browser.click("connect");
        String outcome = browser.awaitOutcome("connected", CALL_TIMEOUT);
        if (!outcome.equals("connected")) {
            throw new IllegalStateException("the call did not connect: " + outcome);
        }
        browser.waitFor("time-first-audio", text -> !text.isEmpty(), AUDIO_TIMEOUT);
        browser.waitFor("time-session-created", text -> !text.isEmpty(), AUDIO_TIMEOUT);
        Map<String, Long> times = new HashMap<>();
        for (String[] step : STEPS) {
            times.put(step[1], Long.parseLong(browser.text(step[1])));
        }
        browser.click("hangup");
        return times;
    }

    private static String summary(List<Long> values) {
        List<Long> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        double median = n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2.0;
        return String.format(Locale.ROOT, "%.0f ms (%d–%d)", median, sorted.get(0), sorted.get(n - 1));
    }
}
