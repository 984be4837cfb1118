package voicebroker.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import voicebroker.startup.StartupArchive;
import voicebroker.testkit.BrokerProcess;
import voicebroker.testkit.FakeOpenAi;
import voicebroker.testkit.RecordedRequest;

/** What every section shares: the options, the fake upstream, the result table, and how to start a broker. */
final class BenchContext {
    static final ObjectMapper JSON = new ObjectMapper();
    /** The dashboard origin the broker allows by default: the harness calls as a page on it does. */
    static final String ORIGIN = "http://localhost:5173";
    static final String MINT_BODY = "{\"voice\":\"marin\"}";

    final BenchOptions options;
    final FakeOpenAi fake;
    final Table table;
    /** The original sidecar, when --original was given. */
    final Optional<Original> original;
    private final PrintStream log;
    private List<String> archiveOptions;
    private String archiveNote;

    BenchContext(BenchOptions options, FakeOpenAi fake, Table table, PrintStream log) {
        this.options = options;
        this.fake = fake;
        this.table = table;
        this.log = log;
        this.original = options.original == null ? Optional.empty() : Optional.of(new Original(options.original, options.bun));
    }

    void progress(String message) {
        if (log != null) {
            log.println("bench: " + message);
            log.flush();
        }
    }

    /** The start-up archive's JVM options for the broker's java, creating the archive first if needed. */
    synchronized List<String> archiveOptions() {
        if (archiveOptions == null) {
            long started = System.nanoTime();
            boolean existed = !StartupArchive.jvmOptions(options.java, options.jar).isEmpty();
            StartupArchive.ensureArchive(options.java, options.jar, Duration.ofMinutes(3));
            archiveOptions = StartupArchive.jvmOptions(options.java, options.jar);
            long ms = (System.nanoTime() - started) / 1_000_000;
            String shown = String.join(" ", archiveOptions).replace(options.jar.getParent().toString() + "/", "target/");
            archiveNote = archiveOptions.isEmpty() ? "no start-up archive could be made for this java"
                    : existed ? "start-up archive reused: `" + shown + "`"
                    : "start-up archive created by a training run in " + ms + " ms: `" + shown + "`";
            progress(archiveNote);
        }
        return archiveOptions;
    }

    String archiveNote() {
        return archiveNote;
    }

    /** {@code java [@broker.args] [extra] [archive] -jar <jar>}: what the launcher runs, before "serve". */
    List<String> brokerCommand(boolean withArchive) {
        List<String> command = new ArrayList<>();
        command.add(options.java.toString());
        command.addAll(jvmFlags());
        if (withArchive) {
            command.addAll(archiveOptions());
        }
        command.add("-jar");
        command.add(options.jar.toString());
        return command;
    }

    /** The broker's JVM flags: the options file and any --jvm-opt. */
    List<String> jvmFlags() {
        List<String> flags = new ArrayList<>();
        if (options.brokerArgs != null) {
            flags.add("@" + options.brokerArgs);
        }
        flags.addAll(options.extraJvm);
        return flags;
    }

    /**
     * The broker's environment for a benchmark: the fake as upstream with its key, and call budgets raised so the
     * load figures measure latency, not the limiter (the defaults, 60 a minute and 8 in flight, would refuse most
     * of them with rate_limited).
     */
    Map<String, String> brokerEnv(int port) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("OPENAI_API_KEY", FakeOpenAi.DEFAULT_KEY);
        env.put("OPENAI_BASE_URL", fake.baseUrl());
        env.put("VOICE_PORT", Integer.toString(port));
        env.put("VOICE_CALLS_PER_MINUTE", "1000000");
        env.put("VOICE_UPSTREAM_CONCURRENCY", "128");
        return env;
    }

    /** Starts a broker with the archive (as users run it) and waits for its readiness line. */
    Broker startBroker(Map<String, String> extraEnv) {
        int port = BrokerProcess.freePort();
        Map<String, String> env = brokerEnv(port);
        env.putAll(extraEnv);
        List<String> command = brokerCommand(true);
        BrokerProcess process = BrokerProcess.builder().launcher(command.toArray(String[]::new)).env(env)
                .readyTimeout(Duration.ofSeconds(60)).start();
        return new Broker(process);
    }

    /** The request the broker sent upstream for its latest call to this path, for the direct reference. */
    RecordedRequest lastUpstream(String path) {
        List<RecordedRequest> requests = fake.requestsTo(path);
        if (requests.isEmpty()) {
            throw new IllegalStateException("the broker sent nothing to " + path);
        }
        return requests.get(requests.size() - 1);
    }

    /** The same request, sent straight to the fake with the key, by the same client. */
    byte[] directRequest(RecordedRequest upstream) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Authorization", "Bearer " + FakeOpenAi.DEFAULT_KEY);
        headers.put("Content-Type", "application/json");
        String accept = upstream.header("Accept");
        if (accept != null) {
            headers.put("Accept", accept);
        }
        headers.put("User-Agent", "voice-broker-bench");
        return Http1.request("POST", upstream.path(), "127.0.0.1:" + fake.port(), headers, upstream.body());
    }

    Http1 fakeConnection() {
        return new Http1("127.0.0.1", fake.port());
    }

    /** VmRSS of a process in KiB, from /proc; -1 when it cannot be read. */
    static long rssKib(long pid) {
        return procStatus(pid, "VmRSS:");
    }

    /** A field of /proc/<pid>/smaps_rollup in KiB (e.g. "Private_Dirty:"), -1 when unavailable. */
    static long smapsRollupKib(long pid, String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "smaps_rollup"))) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.substring(field.length()).replace("kB", "").strip());
                }
            }
        } catch (IOException | RuntimeException e) {
            // no smaps_rollup (old kernel) or gone
        }
        return -1;
    }

    /**
     * "VmRSS 66 MiB = 45 MiB anonymous + 21 MiB file-backed, USS 48 MiB, PSS 50 MiB": anonymous memory is the
     * heap, metaspace, relocated archive regions, code cache, stacks and malloc; file-backed pages are libjvm,
     * the class archives and libraries, which other processes mapping the same files share.
     */
    static String rssBreakdown(long pid) {
        long rss = rssKib(pid);
        long anon = procStatus(pid, "RssAnon:");
        long file = procStatus(pid, "RssFile:");
        long uss = smapsRollupKib(pid, "Private_Dirty:") + smapsRollupKib(pid, "Private_Clean:");
        long pss = smapsRollupKib(pid, "Pss:");
        if (rss < 0 || anon < 0 || file < 0) {
            return "VmRSS " + rss / 1024 + " MiB";
        }
        return String.format(java.util.Locale.ROOT, "VmRSS %.1f MiB = %.1f MiB anonymous (heap, metaspace, relocated archive"
                + " regions, code, stacks) + %.1f MiB file-backed (libjvm, class archives, libraries); USS %.1f MiB, PSS %.1f MiB",
                rss / 1024.0, anon / 1024.0, file / 1024.0, uss / 1024.0, pss / 1024.0);
    }

    /** User + system CPU of a process in ms, from /proc/<pid>/stat (10 ms ticks); -1 when unavailable. */
    static long cpuMillis(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) * 10;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** VmHWM (peak RSS) in KiB. */
    static long peakRssKib(long pid) {
        return procStatus(pid, "VmHWM:");
    }

    private static long procStatus(long pid, String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.substring(field.length()).replace("kB", "").strip());
                }
            }
        } catch (IOException | RuntimeException e) {
            // gone, or no /proc
        }
        return -1;
    }

    static void sleep(long millis) {
        voicebroker.testkit.Pause.millis(millis);
    }

    /** A running broker, seen as a page sees it: its port and token, and the requests a page sends. */
    final class Broker implements AutoCloseable {
        final BrokerProcess process;
        final int port;
        final String token;

        Broker(BrokerProcess process) {
            this.process = process;
            this.port = process.port();
            this.token = readToken(process.runtimeDir().resolve("broker-" + port + ".json"));
        }

        long pid() {
            return process.processPid();
        }

        Http1 connection() {
            return new Http1("127.0.0.1", port);
        }

        /** A POST as the dashboard sends it: Origin, bearer token from the runtime file, JSON. */
        byte[] post(String path, String json) {
            Map<String, String> headers = new LinkedHashMap<>();
            headers.put("Origin", ORIGIN);
            headers.put("Authorization", "Bearer " + token);
            headers.put("Content-Type", "application/json");
            return Http1.request("POST", path, "127.0.0.1:" + port, headers, json.getBytes(StandardCharsets.UTF_8));
        }

        byte[] mint() {
            return post("/api/session", MINT_BODY);
        }

        byte[] health() {
            return Http1.request("GET", "/api/health", "127.0.0.1:" + port, Map.of(), new byte[0]);
        }

        @Override
        public void close() {
            process.close();
        }
    }

    static String readToken(Path runtimeFile) {
        try {
            JsonNode node = JSON.readTree(Files.readString(runtimeFile));
            String token = node.path("token").asText("");
            if (token.isEmpty()) {
                throw new IllegalStateException("no token in " + runtimeFile);
            }
            return token;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the runtime file " + runtimeFile, e);
        }
    }

    /** Sends a request and insists on the status; answers the body. */
    static Http1.Response expect(Http1 connection, byte[] request, int status) throws IOException {
        Http1.Response response = connection.exchange(request);
        if (response.status() != status) {
            throw new IllegalStateException("expected " + status + ", got " + response.status() + ": " + response.text());
        }
        return response;
    }
}
