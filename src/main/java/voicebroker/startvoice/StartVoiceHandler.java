package voicebroker.startvoice;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import voicebroker.error.ErrorCode;
import voicebroker.error.Refusal;
import voicebroker.guard.HostGuard;
import voicebroker.guard.JsonContentTypeGuard;
import voicebroker.guard.LoopbackPeerGuard;
import voicebroker.guard.RequestFacts;
import voicebroker.launcher.LaunchEnvironment;
import voicebroker.launcher.LaunchException;
import voicebroker.launcher.LaunchResult;
import voicebroker.launcher.Launcher;
import voicebroker.log.Redactor;
import voicebroker.net.Origin;
import voicebroker.pipeline.Connection;
import voicebroker.pipeline.Exchange;
import voicebroker.pipeline.Pipeline;
import voicebroker.pipeline.Reply;
import voicebroker.pipeline.SafeHeaders;
import voicebroker.pipeline.Step;

/**
 * Decides a {@code POST /__start_voice} from the dashboard's dev server (threat model rule 9): a plain class
 * with no server dependency, so a Vite plugin (through {@code voice launcher}), a JDK server (through
 * {@link StartVoiceHttpHandler}) or anything else can mount it. The launcher is privileged: it spends no key
 * itself but starts the process that holds one, so it checks the caller at least as strictly as the broker, as
 * one list of the broker's own pipeline steps (below). Only when every check passes does it start the broker,
 * with the dev server's origins as the broker's allowed origins, and hand the broker token to the page. No check
 * starts anything: a refusal starts nothing.
 *
 * <p>It takes nothing from the browser: no key, no base, no argument. The body must be empty or {@code {}}.
 */
public final class StartVoiceHandler {
    public static final String PATH = "/__start_voice";
    public static final int MAX_BODY_BYTES = NoFields.MAX_BYTES;

    private final Pipeline pipeline;

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

    /**
     * {@code caller} judges the caller's OS user (tests give it other socket tables). The checks in order: the
     * ones that need only the connection and headers first, cheapest and most hostile-facing first; the body,
     * already read and bounded by the host, next; the caller's OS user, which costs a read of the kernel's socket
     * table, after every cheap check; the start last. DESIGN.md walks through the same list.
     */
    public StartVoiceHandler(Settings settings, Starter starter, StartCaller caller) {
        this.pipeline = new Pipeline(List.of(
                new SafeHeaders(),                                          // no-store, nosniff, Vary, no referrer
                Step.guard(new LoopbackPeerGuard()),                        // rule 1: non_loopback
                Step.guard(new HostGuard(settings.allowedHosts())),         // rule 2: bad_host (DNS rebinding)
                Step.guard(PageOnly::post),                                 // method_not_allowed
                Step.guard(PageOnly::originPresent),                        // rule 9: forbidden_origin, no browser page
                Step.guard(PageOnly.exactOrigin(settings.allowedOrigins())), // rule 3: forbidden_origin
                Step.guard(PageOnly::sameOriginFetch),                      // rule 9: forbidden_origin, cross-site fetch
                dashboardToken(settings),                                   // rule 5: missing_token, bad_token, too_many_failures
                Step.guard(new JsonContentTypeGuard()),                     // rule 4: unsupported_media_type
                new NoFields(),                                             // rule 6: body_too_large, bad_json, key_from_browser
                sameUser(caller, settings.tokenHeader().isPresent()),       // rule 9: foreign_user, dashboard_token_required
                start(starter, settings.allowedOrigins())));                // the broker's URL and token, to this page only
    }

    /** The dashboard token's check where the dev server has one; without one, requests pass it by. */
    private static Step dashboardToken(Settings settings) {
        if (settings.tokenHeader().isEmpty()) {
            return (exchange, next) -> next.proceed(exchange);
        }
        return Step.guard(DashboardToken.guard(settings.tokenHeader().get(), settings.tokenFile().orElseThrow()));
    }

    private static Step sameUser(StartCaller caller, boolean dashboardTokenConfigured) {
        return (exchange, next) -> {
            Optional<Refusal> refused = caller.check(exchange.required(Request.class).socket(), dashboardTokenConfigured);
            return refused.isPresent() ? Reply.refused(refused.get()) : next.proceed(exchange);
        };
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

    /** The judge's answer to one request; never throws. */
    public Response handle(Request request) {
        RequestFacts facts = new RequestFacts(request.peer(), request.method(), PATH, request.headers());
        Exchange exchange = Exchange.of(facts, connection(request), new ByteArrayInputStream(request.body()))
                .withTag(Request.class, request);
        Reply reply;
        try {
            reply = pipeline.proceed(exchange);
        } catch (IOException e) {
            reply = Reply.refused(Refusal.of(ErrorCode.INTERNAL));
        }
        return response(reply);
    }

    /** Both ends of the connection when the host reported them; the caller's step refuses a request without them. */
    private static Connection connection(Request request) {
        return request.socket().map(socket -> new Connection(socket.peer(), socket.local()))
                .orElseGet(() -> new Connection(new InetSocketAddress(request.peer(), 0), null));
    }

    /** Starts (or finds) the broker for the asking page; a failed start answers with the launcher's own refusal. */
    private static Step start(Starter starter, List<String> allowedOrigins) {
        return (exchange, next) -> {
            try {
                Started started = starter.start(allowedOrigins, exchange.request().all("origin").get(0));
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("ok", true);
                body.put("url", started.url());
                body.put("token", started.token());
                body.put("keyed", started.keyed());
                body.put("already", started.already());
                started.restarted().ifPresent(reason -> body.put("restarted", reason));
                return new Reply.Json(200, body, Map.of());
            } catch (LaunchException e) {
                return new Reply.Json(e.httpStatus(), e.body(), Map.of());
            } catch (RuntimeException e) {
                LaunchException failed = LaunchException.failed("the launcher failed unexpectedly (" + e.getClass().getSimpleName() + ": "
                        + Redactor.redact(String.valueOf(e.getMessage())) + ").", "run './voice start' in a terminal to see the full error.");
                return new Reply.Json(failed.httpStatus(), failed.body(), Map.of());
            }
        };
    }

    private static Response response(Reply reply) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", "application/json; charset=utf-8");
        headers.putAll(reply.headers());
        if (reply instanceof Reply.Refused refused) {
            return new Response(refused.status(), refused.refusal().body(), headers);
        }
        if (reply instanceof Reply.Json json && json.body() instanceof Map<?, ?> body) {
            Map<String, Object> copy = new LinkedHashMap<>();
            body.forEach((name, value) -> copy.put(String.valueOf(name), value));
            return new Response(json.status(), copy, headers);
        }
        throw new IllegalStateException("the judge answers JSON or a refusal, not " + reply.getClass().getSimpleName());
    }
}
