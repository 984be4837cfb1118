package voicebroker.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import voicebroker.testkit.BrokerProcess;
import voicebroker.testkit.FakeOpenAi;
import voicebroker.testkit.RawHttp;

/**
 * voice-broker as a Java developer gets it from Maven: the artifact and its POM are installed into a temporary
 * local repository, a tiny Java dev server is compiled against the jar at its coordinates alone (the POM
 * declares no runtime dependency, so that jar is the whole classpath) and mounts {@code /__start_voice} with
 * {@code StartVoiceHttpHandler} on a real JDK server; the test then starts the broker through it and mints.
 */
class MavenJavaHostIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration MAVEN_TIMEOUT = Duration.ofMinutes(4);
    /** The README's Java host, verbatim in spirit: its origin, the handler, and nothing else. */
    private static final String HOST = """
            import com.sun.net.httpserver.HttpServer;
            import java.net.InetAddress;
            import java.net.InetSocketAddress;
            import java.util.List;
            import java.util.Optional;
            import java.util.Set;
            import voicebroker.launcher.StartVoiceHandler;
            import voicebroker.launcher.StartVoiceHttpHandler;

            public class DevServer {
                public static void main(String[] args) throws Exception {
                    int port = Integer.parseInt(args[0]);
                    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
                    var settings = new StartVoiceHandler.Settings(List.of("http://127.0.0.1:" + port), Set.of("127.0.0.1:" + port),
                            Optional.empty(), Optional.empty());
                    server.createContext(StartVoiceHandler.PATH,
                            new StartVoiceHttpHandler(new StartVoiceHandler(settings, StartVoiceHandler.launcher(System.err::println))));
                    server.start();
                    System.out.println("listening on " + port);
                }
            }
            """;
    @TempDir
    Path work;
    private FakeOpenAi fake;
    private Process host;
    private Path runtimeDir;

    @BeforeEach
    void startFake() throws IOException {
        fake = FakeOpenAi.http().start();
        runtimeDir = Files.createDirectories(work.resolve("runtime"));
    }

    @AfterEach
    void stopEverything() throws IOException {
        try (var files = Files.list(runtimeDir)) {
            for (Path file : files.filter(p -> p.getFileName().toString().matches("broker-\\d+\\.json")).toList()) {
                ProcessHandle.of(JSON.readTree(file.toFile()).path("pid").asLong()).ifPresent(ProcessHandle::destroy);
            }
        }
        if (host != null) {
            host.destroyForcibly();
        }
        fake.close();
    }

    @Test
    void aJavaDevServerBuiltOnTheInstalledArtifactStartsTheBrokerForItsPage() throws Exception {
        String version = System.getProperty("voicebroker.version");
        Path repository = work.resolve("repository");
        Installs.run(work, Map.of(), MAVEN_TIMEOUT, "mvn", "-B", "-q", "-s", userCacheSettings().toString(),
                "-Dmaven.repo.local=" + repository, "org.apache.maven.plugins:maven-install-plugin:3.1.2:install-file",
                "-Dfile=" + System.getProperty("voicebroker.artifact"),
                "-DpomFile=" + Installs.root().resolve("target/dependency-reduced-pom.xml"));
        Path coordinates = repository.resolve("io/github/voicebroker/voice-broker/" + version);
        Path jar = coordinates.resolve("voice-broker-" + version + ".jar");
        assertFalse(Files.readString(coordinates.resolve("voice-broker-" + version + ".pom")).matches("(?s).*<scope>(compile|runtime)</scope>.*"),
                "the published POM declares no runtime dependency: they are inside the jar, relocated");

        Path source = Files.writeString(Files.createDirectories(work.resolve("host")).resolve("DevServer.java"), HOST);
        Installs.run(source.getParent(), Map.of(), MAVEN_TIMEOUT, javaTool("javac"), "-cp", jar.toString(), source.toString());

        int hostPort = BrokerProcess.freePort();
        int brokerPort = BrokerProcess.freePort();
        String origin = "http://127.0.0.1:" + hostPort;
        ProcessBuilder builder = new ProcessBuilder(javaTool("java"), "-cp", jar + ":" + source.getParent(), "DevServer", String.valueOf(hostPort));
        builder.environment().putAll(Map.of("OPENAI_API_KEY", FakeOpenAi.DEFAULT_KEY, "OPENAI_BASE_URL", fake.baseUrl(),
                "VOICE_PORT", String.valueOf(brokerPort), "VOICE_RUNTIME_DIR", runtimeDir.toString()));
        host = builder.redirectError(ProcessBuilder.Redirect.DISCARD).start();
        awaitLine(host, "listening on " + hostPort);

        RawHttp.Response foreign = startVoice(hostPort, "http://localhost:3000");
        assertEquals("forbidden_origin", foreign.json().path("error").asText(), foreign::toString);

        RawHttp.Response started = startVoice(hostPort, origin);
        assertEquals(200, started.status(), started::toString);
        JsonNode body = started.json();
        assertEquals("http://127.0.0.1:" + brokerPort, body.path("url").asText());
        assertTrue(body.path("keyed").asBoolean());

        RawHttp.Response minted = RawHttp.request("POST", "/api/session").header("Host", "127.0.0.1:" + brokerPort)
                .header("Origin", origin).header("Authorization", "Bearer " + body.path("token").asText())
                .header("Content-Type", "application/json").body("{}").send("127.0.0.1", brokerPort);
        assertEquals(200, minted.status(), minted::toString);
        assertTrue(fake.isLiveSecret(minted.json().path("value").asText()), "a secret the upstream minted");

        long brokerPid = JSON.readTree(runtimeDir.resolve("broker-" + brokerPort + ".json").toFile()).path("pid").asLong();
        String argv = Files.readString(Path.of("/proc/" + brokerPid + "/cmdline"), StandardCharsets.ISO_8859_1);
        assertTrue(argv.contains("-jar\0" + jar + "\0serve"), "the broker runs from the installed artifact: " + argv);
    }

    private static RawHttp.Response startVoice(int port, String origin) {
        return RawHttp.request("POST", "/__start_voice").header("Host", "127.0.0.1:" + port).header("Origin", origin)
                .header("Content-Type", "application/json").header("Sec-Fetch-Site", "same-origin").body("{}").send("127.0.0.1", port);
    }

    /** Maven settings that read plugins from the user's own local repository first, so installing is quick. */
    private Path userCacheSettings() throws IOException {
        String cache = Path.of(System.getProperty("voicebroker.m2")).toUri().toString();
        return Files.writeString(work.resolve("settings.xml"), """
                <settings><profiles><profile><id>user-cache</id>
                  <repositories><repository><id>user-cache</id><url>%1$s</url></repository></repositories>
                  <pluginRepositories><pluginRepository><id>user-cache</id><url>%1$s</url></pluginRepository></pluginRepositories>
                </profile></profiles><activeProfiles><activeProfile>user-cache</activeProfile></activeProfiles></settings>
                """.formatted(cache));
    }

    private static String javaTool(String name) {
        return Path.of(System.getProperty("java.home"), "bin", name).toString();
    }

    private static void awaitLine(Process process, String expected) throws Exception {
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        String line = CompletableFuture.supplyAsync(() -> {
            try {
                return out.readLine();
            } catch (IOException e) {
                return null;
            }
        }).get(60, TimeUnit.SECONDS);
        assertEquals(expected, line);
    }
}
