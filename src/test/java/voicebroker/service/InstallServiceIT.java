package voicebroker.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import voicebroker.testkit.BrokerProcess;
import voicebroker.testkit.FakeOpenAi;
import voicebroker.testkit.Processes;
import voicebroker.testkit.RawHttp;

/**
 * {@code voice install-service} as a user runs it, with HOME in a temporary folder: the unit and the agent it writes
 * pass the platform's own checks where the machine has them ({@code systemd-analyze verify}) and parse otherwise;
 * neither holds the key or the token; and the command line and environment the unit names really run a broker
 * that serves the production origin and refuses others.
 */
class InstallServiceIT {
    private static final String KEY = FakeOpenAi.DEFAULT_KEY;
    private static final String ORIGIN = "http://localhost:8080";
    @TempDir
    Path home;

    private Result install(Map<String, String> extraEnv, String... args) throws Exception {
        List<String> argv = new ArrayList<>(List.of(BrokerProcess.javaBin(), "-jar", System.getProperty(BrokerProcess.JAR_PROPERTY), "install-service"));
        argv.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(argv).directory(home.toFile());
        builder.environment().clear();
        builder.environment().put("PATH", System.getenv("PATH"));
        builder.environment().put("HOME", home.toString());
        builder.environment().putAll(extraEnv);
        Process process = builder.start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        return new Result(process.exitValue(), out, err);
    }

    private record Result(int exit, String out, String err) {
    }

    private Path unit() {
        return home.resolve(".config/systemd/user/voice-broker.service");
    }

    private Path folder() {
        return home.resolve(".config/voice-broker");
    }

    @Test
    void theSystemdUnitIsValidPrivateAndHoldsNoSecret() throws Exception {
        Result result = install(Map.of("OPENAI_API_KEY", KEY, "VOICE_BROKER_TOKEN", "t".repeat(40), "VOICE_SECRET_TTL", "300",
                "VOICE_JAVA", BrokerProcess.javaBin()), "--origins", ORIGIN, "--platform", "systemd");
        assertEquals(0, result.exit(), result::toString);
        String text = Files.readString(unit());
        assertFalse(text.contains(KEY) || text.contains("t".repeat(40)), "neither the key nor a token in the unit");
        assertTrue(text.contains("Environment=\"VOICE_ALLOWED_ORIGINS=" + ORIGIN + "\""), text);
        assertTrue(text.contains("Environment=\"VOICE_SECRET_TTL=300\""), "the broker's own settings are carried: " + text);
        assertFalse(text.contains("VOICE_JAVA"), "launcher-only settings are not");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(unit())));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(folder())));
        for (String file : List.of("token", ".env")) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(folder().resolve(file))), file);
        }
        assertFalse(Files.readString(folder().resolve(".env")).contains(KEY), "the key is never copied by the installer");
        assertTrue(result.out().contains("systemctl --user daemon-reload"), result.out());
        verifiedBySystemd(unit());
    }

    @Test
    void aReinstallKeepsTheTokenAndTheKeyFileTheUserFilledIn() throws Exception {
        assertEquals(0, install(Map.of(), "--origins", ORIGIN, "--platform", "systemd").exit());
        String token = Files.readString(folder().resolve("token"));
        Files.writeString(folder().resolve(".env"), "OPENAI_API_KEY=" + KEY + "\n");
        Result again = install(Map.of(), "--origins", ORIGIN + ",https://dash.example", "--platform", "systemd");
        assertEquals(0, again.exit(), again::toString);
        assertEquals(token, Files.readString(folder().resolve("token")));
        assertEquals("OPENAI_API_KEY=" + KEY + "\n", Files.readString(folder().resolve(".env")));
        assertTrue(again.out().contains("key: set in"), again.out());
    }

    @Test
    void theInstallerRefusesWhatServeWouldRefuseAndTheTestBindMode() throws Exception {
        Result badOrigin = install(Map.of(), "--origins", "http://localhost:8080/", "--platform", "systemd");
        assertEquals(2, badOrigin.exit());
        assertTrue(badOrigin.err().contains("bad_origin"), badOrigin.err());
        Result testBind = install(Map.of("VOICE_UNSAFE_TEST_BIND", "1"), "--origins", ORIGIN, "--platform", "systemd");
        assertEquals(2, testBind.exit());
        assertTrue(testBind.err().contains("VOICE_UNSAFE_TEST_BIND"), testBind.err());
        Files.writeString(home.resolve(".env"), "VOICE_BIND=0.0.0.0\n");
        Result fromDotEnv = install(Map.of(), "--origins", ORIGIN, "--platform", "systemd");
        assertEquals(2, fromDotEnv.exit(), fromDotEnv::toString);
        assertTrue(fromDotEnv.err().contains("env_file_not_allowed"), fromDotEnv.err());
        assertFalse(Files.exists(unit()), "nothing written when refused");
    }

    @Test
    void theLaunchdAgentParsesAndRunsTheSameCommand() throws Exception {
        Result result = install(Map.of("OPENAI_API_KEY", KEY), "--origins", ORIGIN, "--platform", "launchd");
        assertEquals(0, result.exit(), result::toString);
        Path plist = home.resolve("Library/LaunchAgents/io.github.voicebroker.broker.plist");
        String text = Files.readString(plist);
        assertFalse(text.contains(KEY));
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
        Element dict = (Element) factory.newDocumentBuilder().parse(plist.toFile()).getDocumentElement().getElementsByTagName("dict").item(0);
        NodeList keys = dict.getChildNodes();
        Map<String, Element> values = new HashMap<>();
        String lastKey = null;
        for (int i = 0; i < keys.getLength(); i++) {
            if (keys.item(i) instanceof Element element) {
                if (element.getTagName().equals("key")) {
                    lastKey = element.getTextContent();
                } else if (lastKey != null) {
                    values.putIfAbsent(lastKey, element);
                    lastKey = null;
                }
            }
        }
        assertEquals("io.github.voicebroker.broker", values.get("Label").getTextContent());
        NodeList args = values.get("ProgramArguments").getElementsByTagName("string");
        assertEquals("serve", args.item(args.getLength() - 1).getTextContent());
        assertEquals("-jar", args.item(args.getLength() - 3).getTextContent());
        assertEquals(folder().toString(), values.get("WorkingDirectory").getTextContent());
        assertTrue(values.get("EnvironmentVariables").getTextContent().contains(ORIGIN));
    }

    @Test
    void theUnitsCommandAndEnvironmentRunABrokerForTheProductionOriginOnly() throws Exception {
        int port = BrokerProcess.freePort();
        try (FakeOpenAi fake = FakeOpenAi.http().start()) {
            Result result = install(Map.of("OPENAI_BASE_URL", fake.baseUrl(), "VOICE_PORT", String.valueOf(port)), "--origins", ORIGIN,
                    "--platform", "systemd");
            assertEquals(0, result.exit(), result::toString);
            Files.writeString(folder().resolve(".env"), "OPENAI_API_KEY=" + KEY + "\n");
            Unit unit = Unit.parse(Files.readString(unit()));
            ProcessBuilder builder = new ProcessBuilder(unit.execStart()).directory(unit.workingDirectory().toFile());
            builder.environment().clear();
            builder.environment().put("HOME", home.toString());
            builder.environment().put("VOICE_RUNTIME_DIR", Files.createDirectories(home.resolve("runtime")).toString());
            builder.environment().putAll(unit.environment());
            Process broker = builder.redirectError(ProcessBuilder.Redirect.DISCARD).start();
            try {
                awaitReady(broker);
                String token = Files.readString(folder().resolve("token")).strip();
                RawHttp.Response minted = mint(port, ORIGIN, token);
                assertEquals(200, minted.status(), minted::toString);
                assertTrue(fake.isLiveSecret(minted.json().path("value").asText()), "keyed from the service folder's .env");
                RawHttp.Response foreign = mint(port, "http://localhost:5173", token);
                assertEquals("forbidden_origin", foreign.json().path("error").asText(), "the dev origin is not the service's");
            } finally {
                broker.destroy();
                broker.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    private static RawHttp.Response mint(int port, String origin, String token) {
        return RawHttp.request("POST", "/api/session").header("Host", "127.0.0.1:" + port).header("Origin", origin)
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json").body("{}").send("127.0.0.1", port);
    }

    private static void awaitReady(Process broker) {
        String line = Processes.firstLine(broker, Duration.ofSeconds(60));
        assertTrue(BrokerProcess.READY_LINE.matcher(String.valueOf(line)).matches(), "readiness line: " + line);
    }

    /** systemd's own parser, when this machine has it (a temporary XDG_RUNTIME_DIR lets it run without a session). */
    private void verifiedBySystemd(Path unit) throws Exception {
        Path analyze = Path.of("/usr/bin/systemd-analyze");
        if (!Files.isExecutable(analyze)) {
            Unit.parse(Files.readString(unit)); // the parse above is then the check
            return;
        }
        Path runtime = Files.createDirectories(home.resolve("xdg-runtime"));
        Files.setPosixFilePermissions(runtime, PosixFilePermissions.fromString("rwx------"));
        ProcessBuilder builder = new ProcessBuilder(analyze.toString(), "--user", "verify", unit.toString()).redirectErrorStream(true);
        builder.environment().put("XDG_RUNTIME_DIR", runtime.toString());
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, process.exitValue(), "systemd-analyze verify: " + output);
    }
}
