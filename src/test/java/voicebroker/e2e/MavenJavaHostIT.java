package voicebroker.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import voicebroker.testkit.BrokerProcess;
import voicebroker.testkit.FakeOpenAi;
import voicebroker.testkit.Processes;
import voicebroker.testkit.RawHttp;

/**
 * voice-broker as a Java developer gets it from Maven: the artifact and its POM are installed into a temporary
 * local repository, and a tiny Java server is compiled against the jar at its coordinates alone (the POM declares
 * no runtime dependency, so that jar is the whole classpath). It mounts {@code /__start_voice} with
 * {@code StartVoiceHttpHandler} on a real JDK server, as the README shows: in development the handler starts the
 * broker from the artifact's jar; in production it hands the page the token of the broker running as a service.
 */
class MavenJavaHostIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration MAVEN_TIMEOUT = Duration.ofMinutes(4);
    /** The README's Java servers: the dev one starts the broker; the production one reads the service's token file. */
    private static final String HOST = """
            import com.sun.net.httpserver.HttpServer;
            import java.io.IOException;
            import java.io.UncheckedIOException;
            import java.net.InetAddress;
            import java.net.InetSocketAddress;
            import java.nio.file.Files;
            import java.nio.file.Path;
            import java.util.List;
            import java.util.Optional;
            import java.util.Set;
            import voicebroker.startvoice.StartVoiceHandler;
            import voicebroker.startvoice.StartVoiceHttpHandler;

            public class DashboardServer {
                public static void main(String[] args) throws Exception {
                    int port = Integer.parseInt(args[0]);
                    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
                    var settings = new StartVoiceHandler.Settings(List.of("http://127.0.0.1:" + port), Set.of("127.0.0.1:" + port),
                            Optional.empty(), Optional.empty());
                    StartVoiceHandler.Starter starter = StartVoiceHandler.launcher(System.err::println);
                    if (args.length > 1) {
                        Path tokenFile = Path.of(args[2]);
                        String url = args[1];
                        starter = (origins, pageOrigin) -> {
                            try {
                                return new StartVoiceHandler.Started(url, Files.readString(tokenFile).strip(), true, true);
                            } catch (IOException e) {
                                throw new UncheckedIOException(e);
                            }
                        };
                    }
                    server.createContext(StartVoiceHandler.PATH, new StartVoiceHttpHandler(new StartVoiceHandler(settings, starter)));
                    server.start();
                    System.out.println("listening on " + port);
                }
            }
            """;
    @TempDir
    static Path shared;
    private static Path jar;
    private static Path classes;
    @TempDir
    Path work;
    private FakeOpenAi fake;
    private Process host;
    private Path runtimeDir;

    @BeforeAll
    static void installTheArtifactAndCompileTheHost() throws IOException {
        String version = System.getProperty("voicebroker.version");
        Path repository = shared.resolve("repository");
        Installs.run(shared, Map.of(), MAVEN_TIMEOUT, "mvn", "-B", "-q", "-s", userCacheSettings().toString(),
                "-Dmaven.repo.local=" + repository, "org.apache.maven.plugins:maven-install-plugin:3.1.2:install-file",
                "-Dfile=" + System.getProperty("voicebroker.artifact"),
                "-DpomFile=" + Installs.root().resolve("target/dependency-reduced-pom.xml"));
        Path coordinates = repository.resolve("io/github/voicebroker/voice-broker/" + version);
        jar = coordinates.resolve("voice-broker-" + version + ".jar");
        assertFalse(Files.readString(coordinates.resolve("voice-broker-" + version + ".pom")).matches("(?s).*<scope>(compile|runtime)</scope>.*"),
                "the published POM declares no runtime dependency: they are inside the jar, relocated");
        classes = Files.createDirectories(shared.resolve("host"));
        Path source = Files.writeString(classes.resolve("DashboardServer.java"), HOST);
        Installs.run(classes, Map.of(), MAVEN_TIMEOUT, javaTool("javac"), "-cp", jar.toString(), source.toString());
    }

    @BeforeEach
    void startFake() throws IOException {
        fake = FakeOpenAi.http().start();
        runtimeDir = Files.createDirectories(work.resolve("runtime"));
    }

    @AfterEach
    void stopEverything() {
        Processes.stopBrokersIn(runtimeDir);
        if (host != null) {
            host.destroyForcibly();
        }
        fake.close();
    }

    @Test
    void inDevelopmentTheHandlerStartsTheBrokerFromTheInstalledArtifact() throws Exception {
        int hostPort = BrokerProcess.freePort();
        int brokerPort = BrokerProcess.freePort();
        String origin = "http://127.0.0.1:" + hostPort;
        host = startHost(Map.of("OPENAI_API_KEY", FakeOpenAi.DEFAULT_KEY, "OPENAI_BASE_URL", fake.baseUrl(),
                "VOICE_PORT", String.valueOf(brokerPort), "VOICE_RUNTIME_DIR", runtimeDir.toString()), String.valueOf(hostPort));

        RawHttp.Response foreign = startVoice(hostPort, "http://localhost:3000");
        assertEquals("forbidden_origin", foreign.json().path("error").asText(), foreign::toString);

        RawHttp.Response started = startVoice(hostPort, origin);
        assertEquals(200, started.status(), started::toString);
        JsonNode body = started.json();
        assertEquals("http://127.0.0.1:" + brokerPort, body.path("url").asText());
        assertTrue(body.path("keyed").asBoolean());
        RawHttp.Response minted = mint(brokerPort, origin, body.path("token").asText());
        assertEquals(200, minted.status(), minted::toString);
        assertTrue(fake.isLiveSecret(minted.json().path("value").asText()), "a secret the upstream minted");

        long brokerPid = JSON.readTree(runtimeDir.resolve("broker-" + brokerPort + ".json").toFile()).path("pid").asLong();
        String argv = Files.readString(Path.of("/proc/" + brokerPid + "/cmdline"), StandardCharsets.ISO_8859_1);
        assertTrue(argv.contains("-jar\0" + jar + "\0serve"), "the broker runs from the installed artifact: " + argv);
    }

    @Test
    void inProductionTheHandlerHandsThePageTheServiceBrokersTokenWithTheSameChecks() throws Exception {
        int hostPort = BrokerProcess.freePort();
        String origin = "http://127.0.0.1:" + hostPort;
        Path tokenFile = Files.writeString(work.resolve("token"), "service-token-" + "x".repeat(40) + "\n");
        try (BrokerProcess service = BrokerProcess.start(Map.of("OPENAI_API_KEY", FakeOpenAi.DEFAULT_KEY, "OPENAI_BASE_URL", fake.baseUrl(),
                "VOICE_ALLOWED_ORIGINS", origin, "VOICE_BROKER_TOKEN_FILE", tokenFile.toString(), "VOICE_PORT", String.valueOf(BrokerProcess.freePort())))) {
            String url = "http://127.0.0.1:" + service.port();
            host = startHost(Map.of(), String.valueOf(hostPort), url, tokenFile.toString());

            RawHttp.Response foreign = startVoice(hostPort, "http://localhost:3000");
            assertEquals("forbidden_origin", foreign.json().path("error").asText(), foreign::toString);
            RawHttp.Response handed = startVoice(hostPort, origin);
            assertEquals(200, handed.status(), handed::toString);
            assertEquals("no-store", handed.header("Cache-Control"));
            assertEquals(url, handed.json().path("url").asText());
            RawHttp.Response minted = mint(service.port(), origin, handed.json().path("token").asText());
            assertEquals(200, minted.status(), minted::toString);
        }
    }

    private Process startHost(Map<String, String> env, String... args) throws Exception {
        List<String> argv = new ArrayList<>(List.of(javaTool("java"), "-cp", jar + ":" + classes, "DashboardServer"));
        argv.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(argv);
        builder.environment().putAll(env);
        Process process = builder.redirectError(ProcessBuilder.Redirect.DISCARD).start();
        assertEquals("listening on " + args[0], Processes.firstLine(process, Duration.ofSeconds(60)));
        return process;
    }

    private static RawHttp.Response startVoice(int port, String origin) {
        return RawHttp.request("POST", "/__start_voice").header("Host", "127.0.0.1:" + port).header("Origin", origin)
                .header("Content-Type", "application/json").header("Sec-Fetch-Site", "same-origin").body("{}").send("127.0.0.1", port);
    }

    private static RawHttp.Response mint(int port, String origin, String token) {
        return RawHttp.request("POST", "/api/session").header("Host", "127.0.0.1:" + port).header("Origin", origin)
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json").body("{}").send("127.0.0.1", port);
    }

    /** Maven settings that read plugins from the user's own local repository first, so installing is quick. */
    private static Path userCacheSettings() throws IOException {
        String cache = Path.of(System.getProperty("voicebroker.m2")).toUri().toString();
        return Files.writeString(shared.resolve("settings.xml"), """
                <settings><profiles><profile><id>user-cache</id>
                  <repositories><repository><id>user-cache</id><url>%1$s</url></repository></repositories>
                  <pluginRepositories><pluginRepository><id>user-cache</id><url>%1$s</url></pluginRepository></pluginRepositories>
                </profile></profiles><activeProfiles><activeProfile>user-cache</activeProfile></activeProfiles></settings>
                """.formatted(cache));
    }

    private static String javaTool(String name) {
        return Path.of(System.getProperty("java.home"), "bin", name).toString();
    }

}
