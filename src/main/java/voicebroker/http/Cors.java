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
import voicebroker.guard.RequestFacts;

/**
 * CORS response headers, sent only for an origin the {@code OriginGuard} already allowed: the exact origin
 * echoed (never {@code *}), never credentials, and {@code Vary: Origin} always. Preflights are answered only
 * for the methods and headers a route really takes.
 */
final class Cors {
    private final List<String> allowedRequestHeaders;

    Cors(Optional<String> tokenHeader) {
        List<String> headers = new ArrayList<>(List.of("authorization", "content-type"));
        tokenHeader.ifPresent(headers::add);
        this.allowedRequestHeaders = List.copyOf(headers);
    }

    /** Headers for an actual (non-preflight) response to an allowed origin. */
    Map<String, String> forResponse(String allowedOrigin) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Access-Control-Allow-Origin", allowedOrigin);
        headers.put("Access-Control-Expose-Headers", "Retry-After");
        return headers;
    }

    /** Answers a preflight for an allowed origin: 204 with the route's methods, or why not. */
    Reply preflight(RequestFacts request, Route route, String allowedOrigin) {
        Optional<String> method = request.single("access-control-request-method");
        if (method.isEmpty() || !route.methods().contains(method.get())) {
            return Reply.refused(Refusal.of(ErrorCode.METHOD_NOT_ALLOWED, "The preflight asks for a method "
                    + route.path() + " does not take.", "Use " + String.join(" or ", route.methods().stream().sorted().toList()) + "."));
        }
        for (String header : requestedHeaders(request)) {
            if (!allowedRequestHeaders.contains(header)) {
                return Reply.refused(Refusal.invalidField("Access-Control-Request-Headers", "The preflight asks for header '"
                        + header.replaceAll("[^a-z0-9-]", "?") + "', which the broker does not take.",
                        "Send only " + String.join(", ", allowedRequestHeaders) + "."));
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

    private static List<String> requestedHeaders(RequestFacts request) {
        List<String> names = new ArrayList<>();
        for (String value : request.all("access-control-request-headers")) {
            Arrays.stream(value.split(",")).map(s -> s.strip().toLowerCase(Locale.ROOT)).filter(s -> !s.isEmpty()).forEach(names::add);
        }
        return names;
    }
}
