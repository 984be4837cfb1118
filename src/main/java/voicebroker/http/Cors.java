package voicebroker.http;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import voicebroker.error.ErrorCode;
import voicebroker.error.Refusal;
import voicebroker.guard.OriginGuard;
import voicebroker.guard.RequestFacts;
import voicebroker.pipeline.Reply;
import voicebroker.pipeline.Step;

/**
 * Rule 3 and the CORS headers that go with it. The {@link OriginGuard} decides; CORS headers are only the
 * browser's side of that decision and go out only for an origin the guard allowed: the exact origin echoed (never
 * {@code *}), never credentials. Preflights are answered only for the methods and headers a route really takes.
 */
final class Cors {
    private static final int MAX_SHOWN_NAME = 32;
    private final OriginGuard origins;
    private final List<String> allowedRequestHeaders;

    Cors(OriginGuard origins, Optional<String> tokenHeader) {
        this.origins = origins;
        List<String> headers = new ArrayList<>(List.of("authorization", "content-type"));
        tokenHeader.ifPresent(headers::add);
        this.allowedRequestHeaders = List.copyOf(headers);
    }

    /** Refuses a foreign origin; for an allowed one, adds the CORS headers to whatever the rest answers. */
    Step originCheck() {
        return (exchange, next) -> {
            Optional<Refusal> refused = origins.check(exchange.request());
            if (refused.isPresent()) {
                return Reply.refused(refused.get());
            }
            Optional<String> origin = allowedOrigin(exchange.request());
            Reply reply = next.proceed(exchange);
            return origin.isPresent() ? reply.withHeaders(forResponse(origin.get())) : reply;
        };
    }

    /** Answers an {@code OPTIONS} preflight for the matched route: 204 with what it takes, or why not. */
    Step preflight() {
        return (exchange, next) -> {
            if (!exchange.request().method().equals("OPTIONS")) {
                return next.proceed(exchange);
            }
            Optional<String> origin = allowedOrigin(exchange.request());
            if (origin.isEmpty()) {
                return Reply.refused(Refusal.of(ErrorCode.FORBIDDEN_ORIGIN, "A preflight must come from an allowed origin."));
            }
            return preflight(exchange.request(), exchange.required(Route.class), origin.get());
        };
    }

    private Optional<String> allowedOrigin(RequestFacts request) {
        return request.single("origin").filter(origins::allows);
    }

    /** Headers for an actual (non-preflight) response to an allowed origin. */
    private static Map<String, String> forResponse(String allowedOrigin) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Access-Control-Allow-Origin", allowedOrigin);
        headers.put("Access-Control-Expose-Headers", "Retry-After");
        return headers;
    }

    private Reply preflight(RequestFacts request, Route route, String allowedOrigin) {
        Optional<String> method = request.single("access-control-request-method");
        if (method.isEmpty() || !route.methods().contains(method.get())) {
            return Reply.refused(Refusal.of(ErrorCode.METHOD_NOT_ALLOWED, "The preflight asks for a method "
                    + route.path() + " does not take.", "Use " + String.join(" or ", route.methods().stream().sorted().toList()) + "."));
        }
        for (String header : requestedHeaders(request)) {
            if (!allowedRequestHeaders.contains(header)) {
                return Reply.refused(Refusal.invalidField("Access-Control-Request-Headers", "The preflight asks for "
                        + shown(header) + ", which the broker does not take.", "Send only " + String.join(", ", allowedRequestHeaders) + "."));
            }
        }
        Map<String, String> headers = forResponse(allowedOrigin);
        headers.put("Access-Control-Allow-Methods", String.join(", ", route.methods().stream().sorted().toList()));
        headers.put("Access-Control-Allow-Headers", String.join(", ", allowedRequestHeaders));
        headers.put("Access-Control-Max-Age", "600");
        if (request.single("access-control-request-private-network").map("true"::equalsIgnoreCase).orElse(false)) {
            headers.put("Access-Control-Allow-Private-Network", "true");
        }
        return new Reply.Empty(204, headers);
    }

    /**
     * The refused header's name, when it is short enough to be a name: the browser lower-cases what it sends here,
     * so a token pasted as a header name would come back changed, past the scrub that looks for the token itself.
     * No token the broker accepts is shorter than 32 characters.
     */
    private static String shown(String header) {
        return header.length() < MAX_SHOWN_NAME ? "header '" + header.replaceAll("[^a-z0-9-]", "?") + "'"
                : "a header name of " + header.length() + " characters";
    }

    private static List<String> requestedHeaders(RequestFacts request) {
        List<String> names = new ArrayList<>();
        for (String value : request.all("access-control-request-headers")) {
            Arrays.stream(value.split(",")).map(s -> s.strip().toLowerCase(Locale.ROOT)).filter(s -> !s.isEmpty()).forEach(names::add);
        }
        return names;
    }
}
