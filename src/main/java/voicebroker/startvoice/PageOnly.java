package voicebroker.startvoice;

import java.util.List;
import java.util.Optional;
import voicebroker.error.ErrorCode;
import voicebroker.error.Refusal;
import voicebroker.guard.Guard;
import voicebroker.guard.OriginGuard;
import voicebroker.guard.RequestFacts;
import voicebroker.log.Redactor;
import voicebroker.net.Origin;

/**
 * The checks that only the dashboard page itself, calling its own dev server with {@code fetch}, passes: one rule
 * each, in the order {@link StartVoiceHandler} runs them.
 */
final class PageOnly {

    private PageOnly() {
    }

    /** The page starts the broker with a POST; any other method is refused before the Origin is looked at. */
    static Optional<Refusal> post(RequestFacts request) {
        if (request.method().equals("POST")) {
            return Optional.empty();
        }
        return Optional.of(Refusal.of(ErrorCode.METHOD_NOT_ALLOWED, Redactor.printable(request.method(), 64) + " is not allowed on "
                + StartVoiceHandler.PATH + ".", "Send POST " + StartVoiceHandler.PATH + " from the dashboard page.").withHeader("Allow", "POST"));
    }

    /**
     * Origin is required here, unlike on the broker: browsers send it on every POST, same-origin ones included,
     * so its absence means a non-browser caller, and this endpoint exists only for the dashboard page. A missing
     * Origin must not fall back to fetch metadata either, which older browsers do not send at all.
     */
    static Optional<Refusal> originPresent(RequestFacts request) {
        if (!request.all("origin").isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(Refusal.of(ErrorCode.FORBIDDEN_ORIGIN, "The request has no Origin header; " + StartVoiceHandler.PATH
                + " only serves the dashboard page.", "Call it with fetch() from the dashboard itself; other clients can run './voice start'."));
    }

    /** The broker's OriginGuard, with a hint that fits here: these origins are the dev server's own, not a setting. */
    static Guard exactOrigin(List<String> allowedOrigins) {
        return new OriginGuard(allowedOrigins.stream().map(Origin::parse).toList(), StartVoiceHandler.PATH,
                "Only the dev server's own pages may start the broker: open the dashboard at " + String.join(" or ", allowedOrigins) + ".");
    }

    /** A browser that says where the request came from must say same-origin: the dashboard calls its own server. */
    static Optional<Refusal> sameOriginFetch(RequestFacts request) {
        List<String> sites = request.all("sec-fetch-site");
        if (sites.isEmpty() || (sites.size() == 1 && sites.get(0).strip().equals("same-origin"))) {
            return Optional.empty();
        }
        return Optional.of(Refusal.of(ErrorCode.FORBIDDEN_ORIGIN, "A " + Redactor.printable(String.join(",", sites), 64)
                + " request to " + StartVoiceHandler.PATH + " was refused; only the dashboard page itself may call it."));
    }
}
