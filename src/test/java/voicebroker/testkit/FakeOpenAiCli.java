package voicebroker.testkit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Command-line front of {@link FakeOpenAi#main(String[])}: parses options, starts, prints, serves until killed. */
final class FakeOpenAiCli {

    private FakeOpenAiCli() {
    }

    static void run(String[] args) throws InterruptedException {
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("fake-openai: " + e.getMessage());
            System.err.println("usage: FakeOpenAi [--port N] [--latency-ms N] [--key KEY] [--base-path /v1] [--https]"
                    + " [--webrtc] [--speech-bytes N] [--unavailable-model NAME]...");
            System.exit(2);
            return;
        }
        FakeOpenAi fake = options.https ? FakeOpenAi.https() : FakeOpenAi.http();
        fake.expectedKey(options.key).basePath(options.basePath).latency(Duration.ofMillis(options.latencyMs))
                .speechBytes(options.speechBytes);
        options.unavailableModels.forEach(fake::modelUnavailable);
        if (options.webRtc) {
            fake.withWebRtc();
        }
        fake.start(options.port);
        Runtime.getRuntime().addShutdownHook(new Thread(fake::close, "fake-openai-shutdown"));
        // One line, easy for scripts to parse; the key is a test key, so printing it is fine.
        System.out.println("fake-openai ready url=" + fake.baseUrl() + " key=" + fake.expectedKey()
                + " latency-ms=" + options.latencyMs);
        System.out.flush();
        Thread.currentThread().join(); // serve until the process is killed
    }

    private static final class Options {
        int port = 0;
        long latencyMs = 0;
        String key = FakeOpenAi.DEFAULT_KEY;
        String basePath = "/v1";
        boolean https = false;
        boolean webRtc = false;
        long speechBytes = 8 * 1024;
        final List<String> unavailableModels = new ArrayList<>();

        static Options parse(String[] args) {
            Options options = new Options();
            for (int i = 0; i < args.length; i++) {
                String name = args[i];
                if (name.equals("--https")) {
                    options.https = true;
                    continue;
                }
                if (name.equals("--webrtc")) {
                    options.webRtc = true;
                    continue;
                }
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException("missing value after " + name);
                }
                options.set(name, args[++i]);
            }
            return options;
        }

        private void set(String name, String value) {
            switch (name) {
                case "--port": port = Integer.parseInt(value); break;
                case "--latency-ms": latencyMs = Long.parseLong(value); break;
                case "--key": key = value; break;
                case "--base-path": basePath = value; break;
                case "--speech-bytes": speechBytes = Long.parseLong(value); break;
                case "--unavailable-model": unavailableModels.add(value); break;
                default: throw new IllegalArgumentException("unknown option " + name);
            }
        }
    }
}
