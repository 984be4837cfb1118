package voicebroker.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import voicebroker.testkit.BrokerProcess;
import voicebroker.testkit.FakeOpenAi;
import voicebroker.testkit.Processes;
import voicebroker.testkit.RecordedRequest;

/**
 * voice-broker as a dashboard developer gets it from npm: the three packages are packed with `npm pack`, installed
 * as tarballs into a fresh Vite project in a temporary folder (nothing links back into this repository), and the
 * project's own dev server, with nothing but {@code voiceBroker()} in its config and the key in its own `.env`,
 * serves a page on which Chromium clicks Connect: the plugin finds the broker jar through module resolution, the
 * launcher starts it, the page mints and connects a real WebRTC call to the fake upstream. npm installs from its cache
 * when it can ({@code --prefer-offline}; scripts/install-test-deps fills it with the same Vite).
 */
class PackedNpmInstallIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration NPM_TIMEOUT = Duration.ofMinutes(4);
    @TempDir
    Path work;
    private FakeOpenAi fake;
    private Path runtimeDir;

    @BeforeEach
    void startFake() throws IOException {
        fake = FakeOpenAi.http().withWebRtc().start(); // answers the page's call with a real WebRTC peer
        runtimeDir = Files.createDirectories(work.resolve("runtime"));
    }

    @AfterEach
    void stopEverything() {
        Processes.stopBrokersIn(runtimeDir);
        fake.close();
    }

    @Test
    void aFreshViteProjectInstallsTheTarballsAndAClickMintsAndConnects() throws Exception {
        List<String> tarballs = Installs.lines(Installs.run(Installs.root(), Map.of(), NPM_TIMEOUT,
                "node", "scripts/pack-npm.mjs", "--jar", Installs.runnableJar().toString(), "--out", work.resolve("packs").toString()));
        assertEquals(3, tarballs.size(), tarballs.toString());
        Path app = freshViteProject();
        List<String> install = new ArrayList<>(List.of("npm", "install", "--prefer-offline", "--no-audit", "--no-fund",
                "--loglevel=error", "--save-dev", "vite@" + exampleViteVersion()));
        install.addAll(tarballs);
        Installs.run(app, Map.of("npm_config_update_notifier", "false"), NPM_TIMEOUT, install.toArray(String[]::new));
        for (String name : List.of("broker", "client", "vite-plugin")) {
            Path installed = app.resolve("node_modules/@voice-broker/" + name);
            assertFalse(Files.isSymbolicLink(installed), "@voice-broker/" + name + " is a copy from its tarball, not a link");
            assertFalse(installed.toRealPath().startsWith(Installs.root()), "nothing resolves into the repository");
        }
        String help = Installs.run(app, Map.of(), NPM_TIMEOUT, app.resolve("node_modules/.bin/voice-broker").toString(), "help");
        assertTrue(help.contains("install-service"), "npx voice-broker runs the packaged jar: " + help);

        int brokerPort = BrokerProcess.freePort();
        Map<String, String> env = Map.of("VOICE_PORT", String.valueOf(brokerPort), "VOICE_RUNTIME_DIR", runtimeDir.toString());
        try (DevServer dev = DevServer.start(app, env); Browser browser = new Browser()) {
            browser.open(dev.origin() + "/");
            browser.click("connect");
            assertEquals("connected", browser.awaitOutcome("connected", Duration.ofSeconds(90)));
            assertEquals("201", browser.text("answer-status"));

            List<RecordedRequest> offers = fake.requestsTo("/v1/realtime/calls").stream().filter(r -> r.method().equals("POST")).toList();
            assertEquals(1, offers.size());
            assertTrue(fake.isLiveSecret(offers.get(0).bearerToken()), "the offer carried the secret the broker minted");
            assertTrue(fake.webRtcCalls().toString().contains("\"channelOpen\":true"), "the fake's peer saw the events channel open: "
                    + fake.webRtcCalls());
            assertTrue(fake.contractViolations().isEmpty(), fake.contractViolations().toString());

            JsonNode runtime = JSON.readTree(runtimeDir.resolve("broker-" + brokerPort + ".json").toFile());
            String argv = Files.readString(Path.of("/proc/" + runtime.path("pid").asLong() + "/cmdline"), StandardCharsets.ISO_8859_1);
            assertTrue(argv.contains(app.resolve("node_modules/@voice-broker/broker/lib/voice-broker.jar").toString()),
                    "the broker runs from the installed package's jar: " + argv);
            assertFalse(argv.contains(FakeOpenAi.DEFAULT_KEY), "the key from the dashboard's .env travelled by environment only");
            assertFalse(dev.output().contains(FakeOpenAi.DEFAULT_KEY), "not in the dev server's output");
        }
    }

    /** A new Vite project as a user writes one: the example page, a three-line config, and the key in its own .env. */
    private Path freshViteProject() throws IOException {
        Path app = Files.createDirectories(work.resolve("dashboard/src"));
        app = app.getParent();
        Path example = DevServer.dashboardDir();
        ObjectNode manifest = JSON.createObjectNode().put("name", "fresh-dashboard").put("private", true).put("type", "module");
        manifest.set("overrides", JSON.readTree(example.resolve("package.json").toFile()).path("overrides"));
        Files.writeString(app.resolve("package.json"), manifest.toPrettyString());
        Files.copy(example.resolve("index.html"), app.resolve("index.html"));
        Files.copy(example.resolve("src/main.js"), app.resolve("src/main.js"));
        Files.writeString(app.resolve("vite.config.js"), """
                import { defineConfig } from "vite";
                import voiceBroker from "@voice-broker/vite-plugin";

                export default defineConfig({ plugins: [voiceBroker()] });
                """);
        Files.writeString(app.resolve(".env"), "OPENAI_API_KEY=" + FakeOpenAi.DEFAULT_KEY + "\nOPENAI_BASE_URL=" + fake.baseUrl() + "\n");
        return app;
    }

    /** The Vite the example dashboard locks, which scripts/install-test-deps has put in npm's cache. */
    private static String exampleViteVersion() throws IOException {
        JsonNode lock = JSON.readTree(DevServer.dashboardDir().resolve("package-lock.json").toFile());
        return lock.path("packages").path("node_modules/vite").path("version").asText();
    }
}
