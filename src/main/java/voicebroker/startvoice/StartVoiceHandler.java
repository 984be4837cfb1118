package voicebroker.startvoice;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import voicebroker.config.Secret;
import voicebroker.error.ErrorCode;
import voicebroker.error.Refusal;
import voicebroker.guard.FailureThrottle;
import voicebroker.guard.Guard;
import voicebroker.guard.GuardChain;
import voicebroker.guard.HostGuard;
import voicebroker.guard.JsonContentTypeGuard;
import voicebroker.guard.KeyFields;
import voicebroker.guard.LoopbackPeerGuard;
import voicebroker.guard.OriginGuard;
import voicebroker.guard.RequestFacts;
import voicebroker.launcher.LaunchEnvironment;
import voicebroker.launcher.LaunchException;
import voicebroker.launcher.LaunchResult;
import voicebroker.launcher.Launcher;
import voicebroker.log.Redactor;
import voicebroker.net.Origin;
import voicebroker.pipeline.StrictJson;

/**
 * Decides a {@code POST /__start_voice} from the dashboard's dev server (threat model rule 9): a plain class
 * with no server dependency, so a Vite plugin (through {@code voice launcher}), a JDK server (through
 * {@link StartVoiceHttpHandler}) or anything else can mount it. The launcher is privileged: it spends no key
 * itself but starts the process that holds one, so it checks the caller at least as strictly as the broker,
 * with the broker's own guard classes, in this order: loopback peer, Host, method, Origin (required), fetch
 * metadata, dashboard token (when configured), JSON content type, the caller's OS user ({@link StartCaller}),
 * body. Only then does it start the broker, with the dev server's origins as the broker's allowed origins, and
 * hand the broker token to the page. No check starts anything: a refusal starts nothing.
 *
 * <p>It takes nothing from the browser: no key, no base, no argument. The body must be empty or {@code {}}.
 */
public final class StartVoiceHandler {
    public static final String PATH = "/__start_voice";
    public static final int MAX_BODY_BYTES = 16 * 1024;
    private static final String NOTHING_FROM_BROWSER = "/__start_voice takes no fields: the key and base come only from the dev "
            + "server's environment or the broker's .env file. Send an empty body or {}.";


    private final Settings settings;
    private final Starter starter;
    private final Guard headerChecks;
    private final FailureThrottle tokenFailures = new FailureThrottle(10, Duration.ofSeconds(10));
    private final StartCaller caller;

    /**
     * The host's own, trusted settings (never from a request).
     *
     * @param allowedOrigins the dev server's origins, exactly as browsers send them; also the broker's allowed origins
     * @param allowedHosts   the dev server's {@code host:port} spellings (e.g. {@code localhost:5173})
     * @param tokenHeader    the header carrying the dashboard's per-boot token, when the dev server has one
     * @param tokenFile      the file holding that token (read on each request, so a new boot's token is seen)
     */
    public record Settings(List<String> allowedOrigins, Set<String> allowedHosts, Optional<String> tokenHeader,
                           Optional<Path> tokenFile) {

        public Settings {
            // Origin.parse refuses (IllegalArgumentException) anything a browser would not send as an Origin header.
            allowedOrigins = allowedOrigins.stream().map(Origin::parse).map(Origin::toString).toList();
            allowedHosts = Set.copyOf(allowedHosts);
            if (allowedOrigins.isEmpty()) {
                throw new IllegalArgumentException("allowedOrigins must list the dev server's origins (scheme://host:port)");
            }
            if (allowedHosts.isEmpty()) {
                throw new IllegalArgumentException("allowedHosts must list the dev server's host:port spellings");
            }
            if (tokenHeader.isPresent() != tokenFile.isPresent()) {
                throw new IllegalArgumentException("dashboardTokenHeader and dashboardTokenFile go together: set both or neither");
            }
            tokenHeader = tokenHeader.map(name -> name.toLowerCase(Locale.ROOT));
        }
    }

    /**
     * What the dev server saw; headers with every value, names in any case; {@code socket}, both ends of the
     * request's connection, which is how the caller's OS user is known.
     */
    public record Request(InetAddress peer, String method, Map<String, List<String>> headers, byte[] body, boolean bodyTooLarge,
                          Optional<StartCaller.Socket> socket) {

        /** A request whose socket the host did not report: on Linux the caller's OS user is then refused as unknown. */
        public Request(InetAddress peer, String method, Map<String, List<String>> headers, byte[] body, boolean bodyTooLarge) {
            this(peer, method, headers, body, bodyTooLarge, Optional.empty());
        }
    }

    /** Status, JSON body and headers to send back as they are. */
    public record Response(int status, Map<String, Object> body, Map<String, String> headers) {
    }

    /**
     * A broker that runs; {@code token} goes only to the same-origin page that asked.
     *
     * @param restarted what made the launcher replace an older broker, if it did (for the dev server's log)
     */
    public record Started(String url, String token, boolean keyed, boolean already, Optional<String> restarted) {

        public Started(String url, String token, boolean keyed, boolean already) {
            this(url, token, keyed, already, Optional.empty());
        }

        @Override
        public String toString() {
            return "Started[url=" + url + ", token=[redacted], keyed=" + keyed + ", already=" + already + "]";
        }
    }

    /** Starts (or finds) a broker that allows {@code allowedOrigins}, or at least the asking page's origin. */
    @FunctionalInterface
    public interface Starter {
        Started start(List<String> allowedOrigins, String pageOrigin) throws LaunchException;
    }

    public StartVoiceHandler(Settings settings, Starter starter) {
        this(settings, starter, StartCaller.thisProcess());
    }

    /** {@code caller} judges the caller's OS user (tests give it other socket tables). */
    public StartVoiceHandler(Settings settings, Starter starter, StartCaller caller) {
        this.settings = settings;
        this.starter = starter;
        this.caller = caller;
        this.headerChecks = GuardChain.of(
                new LoopbackPeerGuard(),
                new HostGuard(settings.allowedHosts()),
                StartVoiceHandler::postOnly,
                StartVoiceHandler::originRequired,
                exactOrigin(settings.allowedOrigins()),
                StartVoiceHandler::sameOriginFetch,
                this::checkToken,
                new JsonContentTypeGuard());
    }

    /** The broker's OriginGuard, with a hint that fits here: these origins are the dev server's own, not a setting. */
    private static Guard exactOrigin(List<String> allowedOrigins) {
        return new OriginGuard(allowedOrigins.stream().map(Origin::parse).toList(), PATH,
                "Only the dev server's own pages may start the broker: open the dashboard at " + String.join(" or ", allowedOrigins) + ".");
    }

    /**
     * The starter for a Java host that mounts {@link StartVoiceHttpHandler}: a {@link Launcher} in this process's
     * environment with VOICE_ALLOWED_ORIGINS set to the host's origins, starting the broker as a background
     * process that outlives the host. A running broker is reused when it serves the asking page's origin with
     * the same key and settings. (The Vite plugin's launcher uses {@link DevServerStarter} instead.)
     */
    public static Starter launcher(Consumer<String> progress) {
        return (origins, pageOrigin) -> {
            LaunchEnvironment environment = LaunchEnvironment.current(Map.of("VOICE_ALLOWED_ORIGINS", String.join(",", origins)));
            LaunchResult result = new Launcher(environment, progress).start(List.of(pageOrigin));
            return new Started(result.info().url(), result.info().token(), result.info().keyed(), result.already(), result.restartReason());
        };
    }

    public Response handle(Request request) {
        RequestFacts facts = new RequestFacts(request.peer(), request.method(), PATH, request.headers());
        Optional<Refusal> refused = headerChecks.check(facts)
                .or(() -> caller.check(request.socket(), settings.tokenHeader().isPresent()))
                .or(() -> checkBody(request));
        if (refused.isPresent()) {
            return refusal(refused.get());
        }
        return start(facts.all("origin").get(0));
    }

    private Response start(String pageOrigin) {
        try {
            Started started = starter.start(settings.allowedOrigins(), pageOrigin);
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("ok", true);
            body.put("url", started.url());
            body.put("token", started.token());
            body.put("keyed", started.keyed());
            body.put("already", started.already());
            started.restarted().ifPresent(reason -> body.put("restarted", reason));
            return new Response(200, body, baseHeaders());
        } catch (LaunchException e) {
            return new Response(e.httpStatus(), e.body(), baseHeaders());
        } catch (RuntimeException e) {
            LaunchException failed = LaunchException.failed("the launcher failed unexpectedly (" + e.getClass().getSimpleName() + ": "
                    + Redactor.redact(String.valueOf(e.getMessage())) + ").", "run './voice start' in a terminal to see the full error.");
            return new Response(failed.httpStatus(), failed.body(), baseHeaders());
        }
    }

    private static Optional<Refusal> postOnly(RequestFacts request) {
        if (request.method().equals("POST")) {
            return Optional.empty();
        }
        return Optional.of(Refusal.of(ErrorCode.METHOD_NOT_ALLOWED, Redactor.printable(request.method(), 64) + " is not allowed on /__start_voice.",
                "Send POST /__start_voice from the dashboard page.").withHeader("Allow", "POST"));
    }

    /**
     * Origin is required here, unlike on the broker: browsers send it on every POST, same-origin ones included,
     * so its absence means a non-browser caller, and this endpoint exists only for the dashboard page. A missing
     * Origin must not fall back to fetch metadata either, which older browsers do not send at all.
     */
    private static Optional<Refusal> originRequired(RequestFacts request) {
        if (!request.all("origin").isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(Refusal.of(ErrorCode.FORBIDDEN_ORIGIN, "The request has no Origin header; /__start_voice only serves the dashboard page.",
                "Call it with fetch() from the dashboard itself; other clients can run './voice start'."));
    }

    /** A browser that says where the request came from must say same-origin: the dashboard calls its own server. */
    private static Optional<Refusal> sameOriginFetch(RequestFacts request) {
        List<String> sites = request.all("sec-fetch-site");
        if (sites.isEmpty() || (sites.size() == 1 && sites.get(0).strip().equals("same-origin"))) {
            return Optional.empty();
        }
        return Optional.of(Refusal.of(ErrorCode.FORBIDDEN_ORIGIN, "A " + Redactor.printable(String.join(",", sites), 64)
                + " request to /__start_voice was refused; only the dashboard page itself may call it."));
    }

    /** The dashboard's per-boot token, when configured: from its one header only, compared in constant time. */
    private Optional<Refusal> checkToken(RequestFacts request) {
        if (settings.tokenHeader().isEmpty()) {
            return Optional.empty();
        }
        String header = settings.tokenHeader().get();
        String hint = "Send the dev server's dashboard token in the '" + header + "' header (the dashboard page gets it from its dev server).";
        List<String> presented = request.all(header);
        if (presented.isEmpty()) {
            return Optional.of(Refusal.of(ErrorCode.MISSING_TOKEN, "No dashboard token was sent.", hint));
        }
        Optional<String> expected = readToken(settings.tokenFile().orElseThrow());
        if (expected.isEmpty()) {
            return Optional.of(Refusal.of(ErrorCode.INTERNAL, "The dev server's dashboard token file cannot be read.",
                    "Check the dashboardTokenFile setting of the dev server's launcher plugin.").withStatus(500));
        }
        if (presented.size() == 1 && Secret.of(expected.get()).matches(presented.get(0).strip())) {
            return Optional.empty();
        }
        long wait = tokenFailures.recordFailure();
        if (wait > 0) {
            return Optional.of(Refusal.of(ErrorCode.TOO_MANY_FAILURES).withHeader("Retry-After", Long.toString(wait)));
        }
        return Optional.of(Refusal.of(ErrorCode.BAD_TOKEN, "The dashboard token is wrong.", hint));
    }

    private static Optional<String> readToken(Path file) {
        try {
            String token = Files.readString(file, StandardCharsets.UTF_8).strip();
            return token.isEmpty() ? Optional.empty() : Optional.of(token);
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Empty, or a JSON object without a single field: nothing from the browser shapes the launch. */
    private static Optional<Refusal> checkBody(Request request) {
        if (request.bodyTooLarge() || request.body().length > MAX_BODY_BYTES) {
            return Optional.of(Refusal.of(ErrorCode.BODY_TOO_LARGE, "The request body is larger than " + MAX_BODY_BYTES + " bytes.",
                    NOTHING_FROM_BROWSER));
        }
        String text = new String(request.body(), StandardCharsets.UTF_8);
        if (text.isBlank()) {
            return Optional.empty();
        }
        JsonNode body;
        try {
            body = StrictJson.read(text.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            return Optional.of(Refusal.of(ErrorCode.BAD_JSON, "The request body is not valid JSON.", NOTHING_FROM_BROWSER));
        }
        if (body == null || !body.isObject()) {
            return Optional.of(Refusal.of(ErrorCode.BAD_JSON, "The request body is not a JSON object.", NOTHING_FROM_BROWSER));
        }
        return body.fieldNames().hasNext() ? Optional.of(refuseField(body.fieldNames().next())) : Optional.empty();
    }

    private static Refusal refuseField(String name) {
        String shown = Redactor.printable(name, 64);
        if (KeyFields.looksLikeKey(name)) {
            return Refusal.of(ErrorCode.KEY_FROM_BROWSER, "An API key was sent to /__start_voice ('" + shown + "'); keys are never "
                    + "accepted from a browser.", NOTHING_FROM_BROWSER).withField("field", shown);
        }
        return Refusal.invalidField(shown, "The field '" + shown + "' is not accepted: /__start_voice takes no fields.", NOTHING_FROM_BROWSER);
    }

    private static Response refusal(Refusal refusal) {
        Map<String, String> headers = new LinkedHashMap<>(baseHeaders());
        headers.putAll(refusal.headers());
        return new Response(refusal.status(), refusal.body(), headers);
    }

    private static Map<String, String> baseHeaders() {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", "application/json; charset=utf-8");
        headers.put("Cache-Control", "no-store");
        headers.put("X-Content-Type-Options", "nosniff");
        return headers;
    }
}
