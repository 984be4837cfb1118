package voicebroker.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import voicebroker.testkit.FakeOpenAi;

/**
 * {@code voice start | status | mint | stop} as a user runs them: real processes, a real background broker, a
 * fake OpenAI on loopback, a fresh port and runtime directory per test.
 */
class LauncherLifecycleIT {
    private static FakeOpenAi fake;
    private VoiceCli voice;
    private final List<VoiceCli.Run> runs = new ArrayList<>();

    @BeforeAll
    static void startFake() {
        fake = FakeOpenAi.http().start();
    }

    @AfterAll
    static void stopFake() {
        fake.close();
    }

    @BeforeEach
    void newCli() {
        voice = new VoiceCli(fake.baseUrl());
    }

    @AfterEach
    void cleanUp() throws IOException {
        try {
            for (VoiceCli.Run run : runs) {
                assertFalse(run.all().contains(VoiceCli.KEY), () -> "the key appeared in the output of " + run);
            }
            assertFalse(voice.brokerFiles().contains(VoiceCli.KEY), "the key appeared in the broker's log files");
        } finally {
            voice.close();
        }
    }

    private VoiceCli.Run run(String... args) {
        return record(voice.run(args));
    }

    private VoiceCli.Run record(VoiceCli.Run run) {
        runs.add(run);
        return run;
    }

    @Test
    void startStatusMintStop() throws Exception {
        VoiceCli.Run start = run("start", "--json");
        assertEquals(0, start.exit(), start::toString);
        JsonNode started = start.json();
        long pid = started.path("pid").asLong();
        assertEquals("http://127.0.0.1:" + voice.port, started.path("url").asText());
        assertFalse(started.path("already").asBoolean());
        assertTrue(started.path("keyed").asBoolean());
        assertFalse(started.has("token"), "no token without --with-token");
        assertEquals(voice.logFile().toString(), started.path("log").asText());
        assertTrue(VoiceCli.isRunning(pid), "the broker outlives the launcher");
        assertTrue(start.stderr().contains("starting voice-broker on port " + voice.port), start::toString);

        String cmdline = VoiceCli.commandLine(pid);
        assertTrue(cmdline.endsWith("-jar " + VoiceCli.jar() + " serve"), "the fixed argument vector: " + cmdline);
        assertFalse(cmdline.contains(VoiceCli.KEY), "the key is never in argv");
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(voice.runtimeDir)));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(voice.runtimeFilePath())));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(voice.logFile())));
        assertTrue(Files.readString(voice.logFile()).contains("voice-broker listening on"), "the broker writes its own log file");

        VoiceCli.Run status = run("status", "--json");
        assertEquals(0, status.exit(), status::toString);
        assertEquals(pid, status.json().path("pid").asLong());
        assertEquals("current", status.json().path("config").asText());
        assertEquals(voice.logFile().toString(), status.json().path("log").asText());
        assertFalse(status.stdout().contains(voice.runtimeFile().orElseThrow().path("token").asText()), "status never shows the token");

        VoiceCli.Run human = run("status");
        assertEquals(0, human.exit(), human::toString);
        assertTrue(human.stdout().contains("pid      " + pid) && human.stdout().contains("config   current"), human::toString);

        VoiceCli.Run mint = run("mint", "--voice", "cedar");
        assertEquals(0, mint.exit(), mint::toString);
        assertTrue(mint.stdout().matches("(?s)client secret  ek_\\*\\*\\*\\*\\S{4}\n.*"), "the secret is masked: " + mint);
        assertTrue(mint.stdout().contains("voice          cedar"), mint::toString);

        VoiceCli.Run mintJson = run("mint", "--json", "--mode", "direct");
        assertEquals(0, mintJson.exit(), mintJson::toString);
        String secret = mintJson.json().path("value").asText();
        assertTrue(fake.isLiveSecret(secret), "--json prints the broker's answer as is: " + mintJson);
        assertEquals("direct", mintJson.json().path("configured").path("mode").asText());

        VoiceCli.Run stop = run("stop");
        assertEquals(0, stop.exit(), stop::toString);
        assertTrue(stop.stdout().contains("stopped (pid " + pid), stop::toString);
        VoiceCli.awaitGone(pid, Duration.ofSeconds(5));
        assertFalse(Files.exists(voice.runtimeFilePath()), "the runtime file is removed");

        VoiceCli.Run statusAfter = run("status");
        assertEquals(3, statusAfter.exit(), statusAfter::toString);
        assertTrue(statusAfter.stdout().contains("not running on port " + voice.port), statusAfter::toString);
        VoiceCli.Run stopAgain = run("stop");
        assertEquals(0, stopAgain.exit(), stopAgain::toString);
        assertTrue(stopAgain.stdout().contains("not running"), stopAgain::toString);
        VoiceCli.Run mintAfter = run("mint");
        assertEquals(3, mintAfter.exit(), mintAfter::toString);
        assertTrue(mintAfter.stderr().contains("./voice start"), mintAfter::toString);
    }

    @Test
    void startTwiceKeepsTheSameBroker() {
        VoiceCli.Run first = run("start", "--json");
        assertEquals(0, first.exit(), first::toString);
        VoiceCli.Run second = run("start", "--json", "--with-token");
        assertEquals(0, second.exit(), second::toString);

        assertTrue(second.json().path("already").asBoolean(), second::toString);
        assertEquals(first.json().path("pid").asLong(), second.json().path("pid").asLong());
        assertEquals(voice.runtimeFile().orElseThrow().path("token").asText(), second.json().path("token").asText(),
                "--json --with-token is the one way the token is printed");
        VoiceCli.Run human = run("start");
        assertTrue(human.stdout().startsWith("voice-broker already running at http://127.0.0.1:" + voice.port + " (pid "
                + first.json().path("pid").asLong()), human::toString);
        assertFalse(human.all().contains(voice.runtimeFile().orElseThrow().path("token").asText()), "never the token for humans");
    }

    @Test
    void aChangedKeyOrOriginsRestartsTheBroker() {
        VoiceCli.Run first = run("start", "--json");
        long firstPid = first.json().path("pid").asLong();

        String otherKey = "sk-test-zyxwvutsrqponmlkjihgfedcba9876543210";
        VoiceCli.Run stale = record(voice.runWithEnv(Map.of("OPENAI_API_KEY", otherKey), "status", "--json"));
        assertEquals("stale", stale.json().path("config").asText(), stale::toString);

        VoiceCli.Run newKey = record(voice.runWithEnv(Map.of("OPENAI_API_KEY", otherKey), "start", "--json"));
        assertEquals(0, newKey.exit(), newKey::toString);
        long secondPid = newKey.json().path("pid").asLong();
        assertNotEquals(firstPid, secondPid);
        assertTrue(newKey.json().path("restarted").asBoolean());
        assertTrue(newKey.stderr().contains("restarting voice-broker (pid " + firstPid + ", started by voice): the OpenAI key differs"),
                newKey::toString);
        assertFalse(VoiceCli.isRunning(firstPid), "the stale broker is stopped");
        assertFalse(newKey.all().contains(otherKey));

        VoiceCli.Run newOrigins = record(voice.runWithEnv(Map.of("OPENAI_API_KEY", otherKey,
                "VOICE_ALLOWED_ORIGINS", "http://localhost:8081"), "start", "--json"));
        assertEquals(0, newOrigins.exit(), newOrigins::toString);
        assertNotEquals(secondPid, newOrigins.json().path("pid").asLong());
        assertEquals("http://localhost:8081", voice.runtimeFile().orElseThrow().path("allowed_origins").get(0).asText());
        assertEquals(List.of(newOrigins.json().path("pid").asLong()), voice.brokersOnThisPort(), "one broker, the new one");
        assertTrue(newOrigins.stderr().contains("it does not allow the origin http://localhost:8081"), newOrigins::toString);
    }

    @Test
    void aStartAskingForFewerOriginsThanTheBrokerAllowsFindsItRunning() {
        long pid = record(voice.runWithEnv(Map.of("VOICE_ALLOWED_ORIGINS", "http://localhost:5173,http://127.0.0.1:5173,http://[::1]:5173"),
                "start", "--json")).json().path("pid").asLong();

        VoiceCli.Run start = run("start", "--json");

        assertTrue(start.json().path("already").asBoolean(), "the default origins are all allowed already: " + start);
        assertEquals(pid, start.json().path("pid").asLong());
    }

    @Test
    void aKilledBrokerIsReplacedAndItsStaleFileCleaned() {
        long killed = run("start", "--json").json().path("pid").asLong();
        ProcessHandle.of(killed).orElseThrow().destroyForcibly();
        VoiceCli.awaitGone(killed, Duration.ofSeconds(5));
        assertTrue(Files.exists(voice.runtimeFilePath()), "SIGKILL leaves the runtime file behind");

        VoiceCli.Run status = run("status");
        assertEquals(3, status.exit(), status::toString);
        assertTrue(status.stdout().contains("stale runtime file of pid " + killed), status::toString);

        VoiceCli.Run start = run("start", "--json");
        assertEquals(0, start.exit(), start::toString);
        assertTrue(start.stderr().contains("removing the stale runtime file of pid " + killed), start::toString);
        long replacement = start.json().path("pid").asLong();
        assertNotEquals(killed, replacement);
        assertEquals(replacement, voice.runtimeFile().orElseThrow().path("pid").asLong());
        assertTrue(VoiceCli.isRunning(replacement));
    }

    @Test
    void aPortHeldByAnotherProgramIsPortInUse() throws IOException {
        try (ServerSocket squatter = new ServerSocket()) {
            squatter.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), voice.port));

            VoiceCli.Run start = run("start");
            assertEquals(4, start.exit(), start::toString);
            assertTrue(start.stderr().contains("port_in_use: port " + voice.port + " is held by another program"), start::toString);
            assertTrue(start.stderr().contains("ss -ltnp 'sport = :" + voice.port + "'"), start::toString);
            assertTrue(start.stderr().contains("VOICE_PORT"), start::toString);
            assertEquals("", start.stdout());

            VoiceCli.Run json = run("start", "--json");
            assertEquals(4, json.exit(), json::toString);
            assertEquals("port_in_use", json.json().path("error").asText());
            assertFalse(json.json().path("ok").asBoolean(true));

            assertFalse(Files.exists(voice.runtimeFilePath()), "no broker was started");
            assertEquals(List.of(), voice.brokersOnThisPort());
            VoiceCli.Run status = run("status");
            assertEquals(3, status.exit(), status::toString);
            assertTrue(status.stdout().contains("held by another program"), status::toString);
            assertFalse(status.stdout().contains("Start it with"), "starting cannot help while another program holds the port: " + status);
            assertTrue(status.stdout().contains("VOICE_PORT"), status::toString);
        }
    }

    @Test
    void stopStatusAndMintWorkOnARunningBrokerWhenTheEnvironmentHasAConfigurationError() {
        long pid = run("start", "--json").json().path("pid").asLong();
        Map<String, String> broken = Map.of("VOICE_SECRET_TTL", "soon");

        VoiceCli.Run status = record(voice.runWithEnv(broken, "status"));
        assertEquals(0, status.exit(), status::toString);
        assertTrue(status.stderr().contains("warning") && status.stderr().contains("VOICE_SECRET_TTL"), status::toString);
        assertTrue(status.stdout().contains("pid      " + pid), status::toString);

        VoiceCli.Run mint = record(voice.runWithEnv(broken, "mint"));
        assertEquals(0, mint.exit(), mint::toString);
        assertTrue(mint.stderr().contains("VOICE_SECRET_TTL"), mint::toString);

        VoiceCli.Run stop = record(voice.runWithEnv(broken, "stop"));
        assertEquals(0, stop.exit(), stop::toString);
        assertTrue(stop.stdout().contains("stopped (pid " + pid), stop::toString);
        assertTrue(stop.stderr().contains("warning") && stop.stderr().contains("VOICE_SECRET_TTL"), stop::toString);

        VoiceCli.Run start = record(voice.runWithEnv(broken, "start"));
        assertEquals(2, start.exit(), "start still refuses to start what it cannot configure: " + start);
    }

    @Test
    void anUnusableRuntimeDirIsAnActionableError() throws IOException {
        Path aFile = Files.createFile(voice.home.resolve("not-a-directory"));
        VoiceCli.Run start = record(voice.runWithEnv(Map.of("VOICE_RUNTIME_DIR", aFile.resolve("runtime").toString()), "start"));

        assertEquals(2, start.exit(), start::toString);
        assertTrue(start.stderr().contains("runtime_dir"), start::toString);
        assertTrue(start.stderr().contains("Fix: point VOICE_RUNTIME_DIR at a directory"), start::toString);
        assertEquals(1, start.stderr().strip().lines().count(), "one actionable line: " + start);
    }

    @Test
    void aBrokerThatDiesBeforeReadyIsReportedInItsOwnWords() throws IOException {
        Path java = script("failing-java", "echo 'this java refuses to run the broker' >&2\nexit 7\n");
        VoiceCli.Run start = record(voice.runWithEnv(Map.of("VOICE_JAVA", java.toString()), "start"));

        assertEquals(1, start.exit(), start::toString);
        assertTrue(start.stderr().contains("launch_failed: the broker exited with code 7 before it was ready; it said: "
                + "this java refuses to run the broker"), start::toString);
        assertFalse(Files.exists(voice.runtimeFilePath()));
    }

    @Test
    void aBrokerThatNeverGetsReadyIsKilledAfterTheTimeout() throws IOException {
        Path pidFile = voice.home.resolve("hanging.pid");
        Path java = script("hanging-java", "echo $$ > '" + pidFile + "'\necho 'stuck before ready' >&2\nexec sleep 60\n");
        VoiceCli.Run start = record(voice.runWithEnv(Map.of("VOICE_JAVA", java.toString(), "VOICE_START_TIMEOUT", "2"), "start", "--json"));

        assertEquals(1, start.exit(), start::toString);
        assertEquals("launch_timeout", start.json().path("error").asText(), start::toString);
        assertTrue(start.json().path("message").asText().contains("stuck before ready"), start::toString);
        assertTrue(start.took().toMillis() < 10_000, "bounded by VOICE_START_TIMEOUT: " + start.took());
        long child = Long.parseLong(Files.readString(pidFile).strip());
        VoiceCli.awaitGone(child, Duration.ofSeconds(2));
    }

    @Test
    void mintShowsTheBrokersRefusal() {
        VoiceCli.Run start = record(voice.runWithEnv(Map.of("OPENAI_API_KEY", ""), "start"));
        assertEquals(0, start.exit(), start::toString);
        assertTrue(start.stderr().contains("no OPENAI_API_KEY"), "a keyless start warns: " + start);

        VoiceCli.Run mint = record(voice.runWithEnv(Map.of("OPENAI_API_KEY", ""), "mint"));
        assertEquals(1, mint.exit(), mint::toString);
        assertTrue(mint.stderr().contains("no_key") && mint.stderr().contains("Fix: Set OPENAI_API_KEY"), mint::toString);
        VoiceCli.Run json = record(voice.runWithEnv(Map.of("OPENAI_API_KEY", ""), "mint", "--json"));
        assertEquals(1, json.exit(), json::toString);
        assertEquals("no_key", json.json().path("error").asText());
    }

    private Path script(String name, String body) throws IOException {
        Path script = voice.home.resolve(name);
        Files.writeString(script, "#!/bin/sh\n" + body);
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        return script;
    }
}
