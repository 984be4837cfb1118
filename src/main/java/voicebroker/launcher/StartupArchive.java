package voicebroker.launcher;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The broker's start-up archive: the classes it loads (and, on JDK 25, their linked state and profiles) saved
 * once by a training run, then mapped at every start, which cuts start-up by about half.
 *
 * <ul>
 *   <li>JDK 25 and later: an AOT cache (JEP 483/514), {@code -XX:AOTCache=<file>}, made with the
 *       {@code -XX:AOTMode=record} / {@code -XX:AOTMode=create} pair. A cache the JVM cannot use (another JDK,
 *       another jar, other flags) is ignored silently: {@code AOTMode} defaults to {@code auto}.</li>
 *   <li>JDK 17 to 24: a dynamic AppCDS archive, {@code -XX:SharedArchiveFile=<file> -Xshare:auto}, made with
 *       {@code -XX:ArchiveClassesAtExit}. A mismatched archive is ignored silently too, but a <em>truncated</em> one
 *       crashes JDK 17 (SIGBUS while mapping it), so an archive is used only when the marker file written after
 *       it was created and checked ({@code <archive>.ok}) holds its exact size; archives are only ever written
 *       under a temporary name and renamed into place, never rewritten in place.</li>
 * </ul>
 *
 * <p>The file lives beside the jar ({@code target/voice-broker-jdk<N>-<key>.aot|.jsa}); its key is a hash of
 * the java binary's real path, its {@code JAVA_RUNTIME_VERSION} (from {@code <java.home>/release}), the jar's
 * size and modification time (seconds) and the content of {@code jvm/broker.args}, so a rebuilt jar, another JDK
 * or new flags simply look for another file and a stale archive is never used. The {@code voice} script
 * computes the same name in bash; keep {@link #keyText} and the script in step.
 *
 * <p>Creating it is a training run (a few seconds, never on the caller's path unless asked): the broker starts
 * on a free loopback port with a throwaway runtime directory, a dummy key and a tiny local fake upstream, gets
 * health checks, preflights, mints, speech and a few refusals, and is stopped. Anything failing on the way
 * means no archive, never a broken one. {@code java -cp voice-broker.jar voicebroker.launcher.StartupArchive
 * ensure|options|path|discard [--java PATH] [--jar PATH]} runs it by hand.
 */
public final class StartupArchive {
    /** {@code 0} turns the archive off (no options, no creation). */
    public static final String VARIABLE = "VOICE_STARTUP_ARCHIVE";
    static final String PREFIX = "voice-broker-jdk";
    static final String OK_SUFFIX = ".ok";
    private static final String LOCK_FILE = ".voice-broker-archive.lock";
    private static final String TRAINING_KEY = "sk-test-training-0000000000000000000000000000";
    private static final String TRAINING_ORIGIN = "http://localhost:5173";
    private static final int TRAINING_MINTS = 200;
    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(120);

    private StartupArchive() {
    }

    /** The JDK a java binary belongs to, read from its {@code release} file (no process is started). */
    record Jdk(Path java, Path home, int feature, String runtimeVersion) {
        boolean usesAotCache() {
            return feature >= 25;
        }

        String extension() {
            return usesAotCache() ? ".aot" : ".jsa";
        }
    }

    // ---- the launcher's API ----------------------------------------------------------------------------------

    /**
     * The JVM options that make {@code java ... -jar jar serve} use the archive: empty when there is none (yet),
     * when it is incomplete, for a JDK older than 17, or when {@value #VARIABLE}=0. A few file reads, no process;
     * never throws.
     */
    public static List<String> jvmOptions(Path javaBin, Path jar) {
        try {
            if (disabled()) {
                return List.of();
            }
            Optional<Path> archive = archivePath(javaBin, jar);
            if (archive.isEmpty() || !isComplete(archive.get())) {
                return List.of();
            }
            return useOptions(jdk(javaBin).orElseThrow(), archive.get());
        } catch (RuntimeException | IOException e) {
            return List.of();
        }
    }

    /** Where the archive for this java and jar is (or would be); empty when this JDK cannot have one. */
    public static Optional<Path> archivePath(Path javaBin, Path jar) throws IOException {
        Optional<Jdk> jdk = jdk(javaBin);
        if (jdk.isEmpty() || jdk.get().feature() < 17 || !Files.isRegularFile(jar)) {
            return Optional.empty();
        }
        String key = sha256(keyText(jdk.get(), jar).getBytes(StandardCharsets.UTF_8)).substring(0, 16);
        return Optional.of(jar.toAbsolutePath().getParent().resolve(PREFIX + jdk.get().feature() + "-" + key + jdk.get().extension()));
    }

    /**
     * Makes sure a usable archive exists, creating it with a training run if needed, and answers it (empty when
     * this JDK cannot have one, creation failed, or another process is creating it and did not finish in time).
     * Blocks for the training run: a few seconds.
     */
    public static Optional<Path> ensureArchive(Path javaBin, Path jar, Duration timeout) {
        try {
            if (disabled()) {
                return Optional.empty();
            }
            Optional<Path> archive = archivePath(javaBin, jar);
            if (archive.isEmpty()) {
                return Optional.empty();
            }
            if (isComplete(archive.get())) {
                return archive;
            }
            Jdk jdk = jdk(javaBin).orElseThrow();
            long deadline = System.nanoTime() + timeout.toNanos();
            try (FileChannel channel = FileChannel.open(archive.get().resolveSibling(LOCK_FILE), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE)) {
                FileLock lock = null;
                while (lock == null) {
                    try {
                        lock = channel.tryLock();
                    } catch (OverlappingFileLockException sameJvm) {
                        lock = null;
                    }
                    if (lock == null) {
                        if (System.nanoTime() > deadline) {
                            return Optional.empty();
                        }
                        Thread.sleep(100);
                    }
                }
                try {
                    if (!isComplete(archive.get())) {
                        create(jdk, jar, archive.get(), deadline);
                    }
                } finally {
                    lock.release();
                }
            }
            return isComplete(archive.get()) ? archive : Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /**
     * Starts {@link #ensureArchive} in a detached, low-priority process after {@code delay} (so it does not
     * compete with the broker that is starting) and returns at once. Does nothing when the archive is already
     * there or this JDK cannot have one. The process outlives the caller; its output is discarded.
     */
    public static void ensureArchiveInBackground(Path javaBin, Path jar, Duration delay) {
        try {
            if (disabled()) {
                return;
            }
            Optional<Path> archive = archivePath(javaBin, jar);
            if (archive.isEmpty() || isComplete(archive.get())) {
                return;
            }
            List<String> command = new ArrayList<>();
            if (Files.isExecutable(Path.of("/usr/bin/nice"))) {
                command.addAll(List.of("/usr/bin/nice", "-n", "10"));
            }
            command.addAll(List.of(javaBin.toString(), "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto",
                    "-cp", jar.toString(), StartupArchive.class.getName(), "ensure", "--java", javaBin.toString(),
                    "--jar", jar.toString(), "--delay-ms", Long.toString(delay.toMillis())));
            new ProcessBuilder(command).redirectInput(Redirect.from(new java.io.File("/dev/null")))
                    .redirectOutput(Redirect.DISCARD).redirectError(Redirect.DISCARD).start();
        } catch (IOException | RuntimeException e) {
            // No archive this time; the broker starts without one.
        }
    }

    /**
     * Removes the archive for this java and jar (for instance when a broker started with it exited before its
     * readiness line); the next start runs without one, and a new one can be made.
     */
    public static void discard(Path javaBin, Path jar) {
        try {
            Optional<Path> archive = archivePath(javaBin, jar);
            if (archive.isPresent()) {
                Files.deleteIfExists(marker(archive.get()));
                Files.deleteIfExists(archive.get());
            }
        } catch (IOException | RuntimeException e) {
            // nothing left to do
        }
    }

    // ---- naming and checks -----------------------------------------------------------------------------------

    /** With VOICE_STARTUP_ARCHIVE_DEBUG=1, the creation steps are traced on standard error. */
    private static void trace(String step, long sinceNanos) {
        if ("1".equals(System.getenv(VARIABLE + "_DEBUG"))) {
            System.err.println("startup-archive: " + step + " after " + (System.nanoTime() - sinceNanos) / 1_000_000 + " ms");
        }
    }

    private static boolean disabled() {
        return "0".equals(System.getenv(VARIABLE));
    }

    /** What the archive's name hashes; the {@code voice} script builds the same text in bash. */
    static String keyText(Jdk jdk, Path jar) throws IOException {
        Path argsFile = argsFile(jar);
        String args = Files.isRegularFile(argsFile) ? Files.readString(argsFile, StandardCharsets.UTF_8) : "";
        return jdk.java() + "\n" + jdk.runtimeVersion() + "\n" + Files.size(jar) + "\n"
                + Files.getLastModifiedTime(jar).to(TimeUnit.SECONDS) + "\n" + args;
    }

    /** {@code <repo>/jvm/broker.args} for {@code <repo>/target/voice-broker.jar}, as the launcher uses it. */
    static Path argsFile(Path jar) {
        return jar.toAbsolutePath().getParent().resolveSibling("jvm").resolve("broker.args");
    }

    /** The JDK of a java binary, from {@code <home>/release}; empty when that file is missing or odd. */
    static Optional<Jdk> jdk(Path javaBin) {
        try {
            Path java = javaBin.toRealPath();
            Path home = java.getParent().getParent();
            Path release = home.resolve("release");
            if (!Files.isRegularFile(release)) {
                return Optional.empty();
            }
            String version = null;
            String runtimeVersion = null;
            for (String line : Files.readAllLines(release, StandardCharsets.UTF_8)) {
                if (line.startsWith("JAVA_VERSION=")) {
                    version = unquote(line.substring("JAVA_VERSION=".length()));
                } else if (line.startsWith("JAVA_RUNTIME_VERSION=")) {
                    runtimeVersion = unquote(line.substring("JAVA_RUNTIME_VERSION=".length()));
                }
            }
            if (version == null || !version.matches("\\d+([.+-].*)?")) {
                return Optional.empty();
            }
            int feature = Integer.parseInt(version.split("[.+-]", 2)[0]);
            return Optional.of(new Jdk(java, home, feature, runtimeVersion != null ? runtimeVersion : version));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static String unquote(String value) {
        String v = value.strip();
        return v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"") ? v.substring(1, v.length() - 1) : v;
    }

    static Path marker(Path archive) {
        return archive.resolveSibling(archive.getFileName() + OK_SUFFIX);
    }

    /** True when the archive exists and its marker holds its exact size (so it was finished and checked). */
    static boolean isComplete(Path archive) {
        try {
            Path marker = marker(archive);
            if (!Files.isRegularFile(archive) || !Files.isRegularFile(marker)) {
                return false;
            }
            return Files.readString(marker, StandardCharsets.US_ASCII).strip().equals(Long.toString(Files.size(archive)));
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private static List<String> useOptions(Jdk jdk, Path archive) {
        if (jdk.usesAotCache()) {
            return List.of("-XX:AOTCache=" + archive);
        }
        return List.of("-XX:SharedArchiveFile=" + archive, "-Xshare:auto");
    }

    // ---- creation --------------------------------------------------------------------------------------------

    private static void create(Jdk jdk, Path jar, Path archive, long deadline) throws IOException, InterruptedException {
        Path dir = archive.getParent();
        String stem = "." + archive.getFileName() + "." + ProcessHandle.current().pid();
        Path temp = dir.resolve(stem + ".tmp");
        Path config = dir.resolve(stem + ".aotconf");
        try {
            List<String> base = baseOptions(jar);
            if (jdk.usesAotCache()) {
                List<String> record = new ArrayList<>(base);
                record.addAll(List.of("-XX:AOTMode=record", "-XX:AOTConfiguration=" + config));
                if (!train(jdk, jar, record, deadline) || !Files.isRegularFile(config)) {
                    return;
                }
                List<String> createCommand = new ArrayList<>(List.of(jdk.java().toString()));
                createCommand.addAll(base);
                createCommand.addAll(List.of("-XX:AOTMode=create", "-XX:AOTConfiguration=" + config,
                        "-XX:AOTCache=" + temp, "-cp", jar.toString()));
                long creating = System.nanoTime();
                if (runQuietly(createCommand, deadline) != 0) {
                    trace("AOT cache creation failed", creating);
                    return;
                }
                trace("AOT cache created", creating);
            } else {
                List<String> record = new ArrayList<>(base);
                record.add("-XX:ArchiveClassesAtExit=" + temp);
                if (!train(jdk, jar, record, deadline)) {
                    return;
                }
            }
            long checking = System.nanoTime();
            if (!Files.isRegularFile(temp) || Files.size(temp) == 0 || !verify(jdk, jar, base, temp, deadline)) {
                trace("archive missing or refused by the JVM", checking);
                return;
            }
            trace("archive checked", checking);
            move(temp, archive);
            Path markerTemp = dir.resolve(stem + ".ok.tmp");
            Files.writeString(markerTemp, Long.toString(Files.size(archive)) + "\n", StandardCharsets.US_ASCII);
            move(markerTemp, marker(archive));
            removeStale(dir, jar, archive);
        } finally {
            Files.deleteIfExists(temp);
            Files.deleteIfExists(config);
            Files.deleteIfExists(dir.resolve(stem + ".ok.tmp"));
        }
    }

    /** The options the broker runs with: {@code @jvm/broker.args} when present (the training must match them). */
    private static List<String> baseOptions(Path jar) {
        Path args = argsFile(jar);
        return Files.isRegularFile(args) ? List.of("@" + args) : List.of();
    }

    /** Maps the new archive with sharing required: a file the JVM cannot use fails here, not in a broker. */
    private static boolean verify(Jdk jdk, Path jar, List<String> base, Path archive, long deadline)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(jdk.java().toString()));
        command.addAll(base);
        if (jdk.usesAotCache()) {
            command.addAll(List.of("-XX:AOTCache=" + archive, "-XX:AOTMode=on"));
        } else {
            command.addAll(List.of("-XX:SharedArchiveFile=" + archive, "-Xshare:on"));
        }
        command.addAll(List.of("-jar", jar.toString(), "help"));
        return runQuietly(command, deadline) == 0;
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Deletes archives made for an older jar: their key can never match again. */
    private static void removeStale(Path dir, Path jar, Path keep) {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, PREFIX + "*")) {
            long jarTime = Files.getLastModifiedTime(jar).toMillis();
            for (Path file : files) {
                String name = file.getFileName().toString();
                boolean archiveFile = name.endsWith(".jsa") || name.endsWith(".aot")
                        || name.endsWith(".jsa" + OK_SUFFIX) || name.endsWith(".aot" + OK_SUFFIX);
                if (archiveFile && !file.equals(keep) && !file.equals(marker(keep))
                        && Files.getLastModifiedTime(file).toMillis() < jarTime) {
                    Files.deleteIfExists(file);
                }
            }
        } catch (IOException | RuntimeException e) {
            // stale files only cost disk space
        }
    }

    private static int runQuietly(List<String> command, long deadline) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectInput(Redirect.from(new java.io.File("/dev/null")))
                .redirectOutput(Redirect.DISCARD).redirectError(Redirect.DISCARD).start();
        if (!process.waitFor(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
            return -1;
        }
        return process.exitValue();
    }

    // ---- the training run ------------------------------------------------------------------------------------

    /**
     * Runs the broker with the recording options against a local fake upstream, drives the first-request path
     * and stops it politely (the archive is written at exit). Answers whether it ran and exited cleanly.
     */
    private static boolean train(Jdk jdk, Path jar, List<String> recordOptions, long deadline)
            throws IOException, InterruptedException {
        Path work = Files.createTempDirectory("voice-broker-training",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        HttpServer upstream = TrainingUpstream.start();
        Process broker = null;
        try {
            Path runtimeDir = work.resolve("runtime");
            int port = freePort();
            String token = randomToken();
            List<String> command = new ArrayList<>(List.of(jdk.java().toString()));
            command.addAll(recordOptions);
            command.addAll(List.of("-jar", jar.toString(), "serve"));
            ProcessBuilder builder = new ProcessBuilder(command).directory(work.toFile())
                    .redirectInput(Redirect.from(new java.io.File("/dev/null")))
                    .redirectError(Redirect.DISCARD);
            Map<String, String> env = builder.environment();
            env.keySet().removeIf(name -> !List.of("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR").contains(name));
            env.put("OPENAI_API_KEY", TRAINING_KEY);
            env.put("OPENAI_BASE_URL", "http://127.0.0.1:" + upstream.getAddress().getPort() + "/v1");
            env.put("VOICE_PORT", Integer.toString(port));
            env.put("VOICE_BIND", "127.0.0.1");
            env.put("VOICE_RUNTIME_DIR", runtimeDir.toString());
            env.put("VOICE_BROKER_TOKEN", token);
            env.put("VOICE_ALLOWED_ORIGINS", TRAINING_ORIGIN);
            env.put("VOICE_CALLS_PER_MINUTE", "100000");
            env.put(VARIABLE, "0");
            broker = builder.start();
            long started = System.nanoTime();
            if (!awaitReady(broker, deadline)) {
                trace("training broker never ready", started);
                return false;
            }
            trace("training broker ready", started);
            exercise("http://127.0.0.1:" + port, token);
            trace("training requests done", started);
            broker.destroy();
            if (!broker.waitFor(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                return false;
            }
            int exit = broker.exitValue();
            trace("training broker exited with " + exit, started);
            return exit == 0 || exit == 143; // 143: SIGTERM, after the shutdown hooks and the archive dump
        } finally {
            if (broker != null && broker.isAlive()) {
                broker.destroyForcibly();
                broker.waitFor(10, TimeUnit.SECONDS);
            }
            upstream.stop(0);
            deleteTree(work);
        }
    }

    /** Reads the broker's stdout until the readiness line (or its end); the rest is drained in the background. */
    private static boolean awaitReady(Process broker, long deadline) {
        CompletableFuture<Boolean> ready = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(broker.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                    if (line.startsWith("voice-broker ready url=")) {
                        ready.complete(true);
                    }
                }
            } catch (IOException e) {
                // the process ended
            } finally {
                ready.complete(false);
            }
        }, "training-stdout");
        reader.setDaemon(true);
        reader.start();
        try {
            return ready.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (Exception e) {
            return false;
        }
    }

    /** The first-request path and its neighbours: health, preflight, mints in both modes, speech, refusals. */
    private static void exercise(String url, String token) throws IOException, InterruptedException {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        send(client, HttpRequest.newBuilder(URI.create(url + "/api/health")).header("Origin", TRAINING_ORIGIN).GET());
        send(client, HttpRequest.newBuilder(URI.create(url + "/api/session")).header("Origin", TRAINING_ORIGIN)
                .header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "authorization, content-type")
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody()));
        for (int i = 0; i < TRAINING_MINTS; i++) {
            String body = i % 3 == 0 ? "{\"voice\":\"marin\"}" : i % 3 == 1 ? "{\"voice\":\"cedar\",\"mode\":\"direct\"}" : "{}";
            send(client, post(url + "/api/session", token, body));
            if (i % 50 == 0) {
                send(client, HttpRequest.newBuilder(URI.create(url + "/api/health")).GET());
            }
        }
        send(client, post(url + "/api/tts", token, "{\"input\":\"Hello from the training run.\",\"voice\":\"marin\"}"));
        send(client, post(url + "/api/tts", token, "{\"input\":\"Again, as opus.\",\"voice\":\"cedar\",\"format\":\"opus\",\"speed\":1.25}"));
        send(client, post(url + "/api/sample", token, "{\"voice\":\"marin\"}"));
        // Refusals load the error path: wrong token, unknown field, bad JSON, unknown route, wrong method.
        send(client, post(url + "/api/session", "x".repeat(43), "{}"));
        send(client, post(url + "/api/session", token, "{\"colour\":\"blue\"}"));
        send(client, post(url + "/api/session", token, "{not json"));
        send(client, HttpRequest.newBuilder(URI.create(url + "/nothing-here")).GET());
        send(client, HttpRequest.newBuilder(URI.create(url + "/api/session")).GET());
    }

    private static HttpRequest.Builder post(String url, String token, String json) {
        return HttpRequest.newBuilder(URI.create(url)).header("Origin", TRAINING_ORIGIN)
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json));
    }

    private static void send(HttpClient client, HttpRequest.Builder request) throws IOException, InterruptedException {
        client.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.discarding());
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
            return socket.getLocalPort();
        }
    }

    private static String randomToken() {
        byte[] bytes = new byte[32];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            // a leftover temporary directory is harmless
        }
    }

    /** Just enough of the OpenAI API for the training run, on loopback: client secrets, speech, a models probe. */
    private static final class TrainingUpstream {
        private TrainingUpstream() {
        }

        static HttpServer start() throws IOException {
            // Without it, Nagle's algorithm and delayed ACKs add ~40 ms to every small answer.
            System.setProperty("sun.net.httpserver.nodelay", "true");
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 16);
            server.createContext("/", TrainingUpstream::answer);
            server.start();
            return server;
        }

        private static void answer(HttpExchange exchange) throws IOException {
            try (exchange; InputStream in = exchange.getRequestBody()) {
                in.readAllBytes();
                String path = exchange.getRequestURI().getPath();
                if (path.endsWith("/realtime/client_secrets")) {
                    long expires = Instant.now().getEpochSecond() + 600;
                    String secret = "ek_training" + Long.toHexString(System.nanoTime());
                    reply(exchange, 200, "application/json", ("{\"value\":\"" + secret + "\",\"expires_at\":" + expires
                            + ",\"session\":{\"type\":\"realtime\",\"object\":\"realtime.session\",\"model\":\"gpt-realtime\","
                            + "\"instructions\":\"Be brief.\",\"audio\":{\"input\":{\"turn_detection\":{\"type\":\"semantic_vad\"},"
                            + "\"transcription\":{\"model\":\"gpt-4o-mini-transcribe\"}},\"output\":{\"voice\":\"marin\"}}}}")
                            .getBytes(StandardCharsets.UTF_8));
                } else if (path.endsWith("/audio/speech")) {
                    exchange.getResponseHeaders().set("Content-Type", "audio/mpeg");
                    exchange.sendResponseHeaders(200, 0);
                    try (OutputStream out = exchange.getResponseBody()) {
                        byte[] chunk = new byte[16 * 1024];
                        for (int i = 0; i < 8; i++) {
                            out.write(chunk);
                            out.flush();
                        }
                    }
                } else {
                    reply(exchange, 404, "application/json",
                            "{\"error\":{\"message\":\"Not found\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":null}}"
                                    .getBytes(StandardCharsets.UTF_8));
                }
            }
        }

        private static void reply(HttpExchange exchange, int status, String type, byte[] body) throws IOException {
            exchange.getResponseHeaders().set("Content-Type", type);
            if (exchange.getRequestMethod().equals("HEAD")) {
                exchange.sendResponseHeaders(status, -1);
                return;
            }
            exchange.sendResponseHeaders(status, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    // ---- command line ----------------------------------------------------------------------------------------

    /**
     * {@code ensure} (create if needed; prints the archive path, exit 1 if none), {@code options} (one JVM option
     * per line), {@code path}, {@code discard}; with {@code --java PATH} (default: this JVM's java), {@code --jar
     * PATH} (default: the jar this class runs from), {@code --delay-ms N} (ensure: wait first) and {@code
     * --timeout-s N}.
     */
    public static void main(String[] args) throws IOException, InterruptedException {
        String command = args.length > 0 ? args[0] : "ensure";
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Path jar = null;
        long delayMs = 0;
        Duration timeout = DEFAULT_TIMEOUT;
        for (int i = 1; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--java" -> java = Path.of(args[i + 1]);
                case "--jar" -> jar = Path.of(args[i + 1]);
                case "--delay-ms" -> delayMs = Long.parseLong(args[i + 1]);
                case "--timeout-s" -> timeout = Duration.ofSeconds(Long.parseLong(args[i + 1]));
                default -> {
                    System.err.println("startup-archive: unknown option " + args[i]);
                    System.exit(2);
                }
            }
        }
        if (jar == null) {
            try {
                jar = Path.of(StartupArchive.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            } catch (Exception e) {
                System.err.println("startup-archive: pass --jar PATH");
                System.exit(2);
                return;
            }
        }
        switch (command.toLowerCase(Locale.ROOT)) {
            case "ensure" -> {
                if (delayMs > 0) {
                    Thread.sleep(delayMs);
                }
                Optional<Path> archive = ensureArchive(java, jar, timeout);
                archive.ifPresent(System.out::println);
                System.exit(archive.isPresent() ? 0 : 1);
            }
            case "options" -> jvmOptions(java, jar).forEach(System.out::println);
            case "path" -> archivePath(java, jar).ifPresent(System.out::println);
            case "discard" -> discard(java, jar);
            default -> {
                System.err.println("startup-archive: usage: ensure|options|path|discard [--java PATH] [--jar PATH]");
                System.exit(2);
            }
        }
    }
}
