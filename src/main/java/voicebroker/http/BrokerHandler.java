package voicebroker.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import voicebroker.config.BrokerConfig;
import voicebroker.config.Secret;
import voicebroker.error.ErrorCode;
import voicebroker.error.Refusal;
import voicebroker.guard.CallBudget;
import voicebroker.guard.FailureThrottle;
import voicebroker.guard.Guard;
import voicebroker.guard.GuardChain;
import voicebroker.guard.HostGuard;
import voicebroker.guard.JsonContentTypeGuard;
import voicebroker.guard.LoopbackPeerGuard;
import voicebroker.guard.OriginGuard;
import voicebroker.guard.RequestFacts;
import voicebroker.guard.TokenGuard;
import voicebroker.log.Log;
import voicebroker.log.Redactor;

/**
 * The request pipeline, in the order DESIGN.md describes: header size, peer, Host, Origin, route, preflight,
 * method, then for routes that spend the key: token, JSON content type, key present, body, call budget. Every
 * answer, refusal or not, goes out through {@link #send} with the same safe headers.
 */
final class BrokerHandler implements HttpHandler {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final BrokerConfig config;
    private final Guard transport;
    private final OriginGuard origins;
    private final Guard keySpending;
    private final Map<String, Route> routes;
    private final Cors cors;
    private final CallBudget budget;
    /** The key and the token: no request body may carry a piece of one upstream, no answer may carry one out. */
    private final List<Secret> secrets;

    BrokerHandler(BrokerConfig config, List<Route> routes) {
        this.config = config;
        this.transport = GuardChain.of(new LoopbackPeerGuard(), HostGuard.forLoopbackPort(config.port()));
        this.origins = new OriginGuard(config.origins());
        this.keySpending = GuardChain.of(
                new TokenGuard(config.token(), config.tokenHeader(),
                        new FailureThrottle(config.limits().tokenFailuresAllowed(), config.limits().tokenFailureWindow())),
                new JsonContentTypeGuard());
        this.routes = routes.stream().collect(Collectors.toUnmodifiableMap(Route::path, Function.identity()));
        this.cors = new Cors(config.tokenHeader());
        this.budget = new CallBudget(config.limits().upstreamConcurrency(), config.limits().callsPerMinute());
        List<Secret> known = new java.util.ArrayList<>(List.of(config.token()));
        config.apiKey().ifPresent(known::add);
        this.secrets = List.copyOf(known);
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        long start = System.nanoTime();
        RequestFacts request = facts(exchange);
        Map<String, String> corsHeaders = new LinkedHashMap<>();
        int status;
        try {
            status = send(exchange, answerOrRefusal(exchange, request, corsHeaders), corsHeaders);
        } catch (RuntimeException e) {
            Log.error("unexpected failure on " + request.method() + " " + safePath(request) + ": " + e);
            status = send(exchange, Reply.refused(Refusal.of(ErrorCode.INTERNAL)), corsHeaders);
        } finally {
            exchange.close();
        }
        Log.info(request.method() + " " + safePath(request) + " " + status + " " + (System.nanoTime() - start) / 1_000_000 + "ms");
    }

    private Reply answerOrRefusal(HttpExchange exchange, RequestFacts request, Map<String, String> corsHeaders) throws IOException {
        try {
            return answer(exchange, request, corsHeaders);
        } catch (Refusal.Exception e) {
            return Reply.refused(e.refusal());
        }
    }

    private Reply answer(HttpExchange exchange, RequestFacts request, Map<String, String> corsHeaders) throws IOException {
        if (request.headerBytes() > config.limits().maxHeaderBytes()) {
            return Reply.refused(Refusal.of(ErrorCode.HEADERS_TOO_LARGE));
        }
        Optional<Refusal> refused = transport.check(request).or(() -> origins.check(request));
        if (refused.isPresent()) {
            return Reply.refused(refused.get());
        }
        request.single("origin").filter(origins::allows).ifPresent(origin -> corsHeaders.putAll(cors.forResponse(origin)));
        Route route = routes.get(request.path());
        if (route == null) {
            return Reply.refused(Refusal.of(ErrorCode.NOT_FOUND));
        }
        if (request.method().equals("OPTIONS")) {
            return preflight(request, route);
        }
        if (!route.methods().contains(request.method())) {
            return Reply.refused(Refusal.of(ErrorCode.METHOD_NOT_ALLOWED, request.method() + " is not allowed on " + route.path() + ".",
                    "Use " + String.join(" or ", route.methods().stream().sorted().toList()) + ".").withHeader("Allow", String.join(", ", route.methods())));
        }
        return route.spendsKey() ? spendKey(exchange, request, route) : route.handler().handle(JSON.createObjectNode());
    }

    private Reply preflight(RequestFacts request, Route route) {
        Optional<String> origin = request.single("origin").filter(origins::allows);
        if (origin.isEmpty()) {
            return Reply.refused(Refusal.of(ErrorCode.FORBIDDEN_ORIGIN, "A preflight must come from an allowed origin."));
        }
        return cors.preflight(request, route, origin.get());
    }

    private Reply spendKey(HttpExchange exchange, RequestFacts request, Route route) throws IOException {
        Optional<Refusal> refused = keySpending.check(request);
        if (refused.isPresent()) {
            return Reply.refused(refused.get());
        }
        ObjectNode body = RequestBodies.readJsonObject(exchange, request, config.limits().maxBodyBytes());
        Fields.allowOnly(body, route.fields());
        if (carriesSecret(body.toString())) {
            // e.g. the token pasted as a voice: it would travel to the upstream and come back in the answer
            return Reply.refused(Refusal.of(ErrorCode.INVALID_REQUEST, "A field carries this broker's token or key.",
                    "Secrets never go in a request body: send the token only as 'Authorization: Bearer <token>'."));
        }
        if (!config.keyed()) {
            return Reply.refused(Refusal.of(ErrorCode.NO_KEY));
        }
        Optional<Refusal> limited = budget.acquire();
        if (limited.isPresent()) {
            return Reply.refused(limited.get());
        }
        try {
            return route.handler().handle(body);
        } finally {
            budget.release();
        }
    }

    /** Writes the reply with the headers every answer carries; answers the status sent. */
    private int send(HttpExchange exchange, Reply reply, Map<String, String> corsHeaders) throws IOException {
        var headers = exchange.getResponseHeaders();
        headers.set("Cache-Control", "no-store");
        headers.set("X-Content-Type-Options", "nosniff");
        headers.set("Vary", "Origin");
        headers.set("Referrer-Policy", "no-referrer");
        if (!(reply instanceof Reply.Refused)) {
            // Refusals go without it: a page on another localhost port must be able to see that the broker
            // refused it (an opaque no-cors answer, which Chromium blocks under any CORP value), or it cannot
            // tell "forbidden" from "not running". A refusal body holds nothing secret.
            headers.set("Cross-Origin-Resource-Policy", "same-origin");
        }
        corsHeaders.forEach(headers::set);
        if (reply instanceof Reply.Json json) {
            byte[] bytes = JSON.writeValueAsBytes(json.body());
            if (carriesSecret(new String(bytes, StandardCharsets.UTF_8))) {
                // The last line of rule 6: a hostile upstream can echo the key into the fields of a mint answer.
                Log.error("an answer repeated a secret of this broker; it was withheld");
                Refusal withheld = Refusal.of(ErrorCode.UPSTREAM_UNAVAILABLE, "The upstream's answer repeated a secret of this broker, so it was withheld.");
                return writeJson(exchange, withheld.status(), JSON.writeValueAsBytes(withheld.body()), withheld.headers());
            }
            return writeJson(exchange, json.status(), bytes, json.headers());
        }
        if (reply instanceof Reply.Refused refused) {
            Refusal refusal = refused.refusal();
            byte[] bytes = JSON.writeValueAsBytes(refusal.body());
            if (carriesSecret(new String(bytes, StandardCharsets.UTF_8))) {
                Log.error("a refusal echoed a secret of this broker; it went out without its details");
                bytes = JSON.writeValueAsBytes(Refusal.of(refusal.code()).body());
            }
            return writeJson(exchange, refusal.status(), bytes, refusal.headers());
        }
        if (reply instanceof Reply.Empty empty) {
            empty.headers().forEach(headers::set);
            exchange.sendResponseHeaders(empty.status(), -1);
            return empty.status();
        }
        return streamAudio(exchange, (Reply.Audio) reply);
    }

    /** True when the text holds either secret or any 8-character piece of one. */
    private boolean carriesSecret(String text) {
        return secrets.stream().anyMatch(secret -> secret.appearsIn(text, 8));
    }

    private static int writeJson(HttpExchange exchange, int status, byte[] bytes, Map<String, String> extra) throws IOException {
        extra.forEach(exchange.getResponseHeaders()::set);
        exchange.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
        return status;
    }

    /** Streams upstream audio through in chunks; a failure mid-stream can only cut the stream short. */
    private static int streamAudio(HttpExchange exchange, Reply.Audio audio) throws IOException {
        try (var stream = audio.stream()) {
            exchange.getResponseHeaders().set("Content-Type", stream.contentType());
            exchange.sendResponseHeaders(200, 0);
            try (OutputStream out = exchange.getResponseBody()) {
                stream.copyTo(out);
            } catch (IOException e) {
                Log.warn("audio stream cut short: " + e.getMessage());
            }
        }
        return 200;
    }

    private static RequestFacts facts(HttpExchange exchange) {
        InetSocketAddress remote = exchange.getRemoteAddress();
        return new RequestFacts(remote.getAddress(), exchange.getRequestMethod(),
                exchange.getRequestURI().toString(), exchange.getRequestHeaders());
    }

    /** The path for the access log: never the query, which is where a careless caller might put a token. */
    private static String safePath(RequestFacts request) {
        String path = request.path();
        return path == null ? "(absolute-form target)" : Redactor.printable(path, 64);
    }
}
