package voicebroker.guard;

import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import voicebroker.error.ErrorCode;
import voicebroker.error.Refusal;
import voicebroker.log.Redactor;
import voicebroker.net.Origin;

/**
 * Rule 3: the whole {@code Origin} string must equal a configured origin, never "any localhost port", never
 * {@code null}. The configured origins are {@link Origin} values, so each is already in the one spelling a browser
 * sends, and comparing whole strings is exact. A request without {@code Origin} (curl, scripts) passes here and meets the token gate instead,
 * unless its fetch metadata says a browser sent it cross-site. CORS headers are not access control: this
 * refusal happens in our code, before any route runs.
 */
public final class OriginGuard implements Guard {
    private final Set<String> allowed;
    private final String target;
    private final String hint;

    /** The broker's own guard: refusals say "call the broker" and point at VOICE_ALLOWED_ORIGINS. */
    public OriginGuard(List<Origin> allowedOrigins) {
        this(allowedOrigins, "the broker", ErrorCode.FORBIDDEN_ORIGIN.defaultHint());
    }

    /**
     * The same rule guarding something else: {@code target} names it in refusals ("... is not allowed to call
     * {@code target}"), and {@code hint} says how to fix it there.
     */
    public OriginGuard(List<Origin> allowedOrigins, String target, String hint) {
        Set<String> spelled = new HashSet<>();
        for (Origin origin : allowedOrigins) { // a loop, not a stream: the broker makes this guard on the way to readiness
            spelled.add(origin.toString());
        }
        this.allowed = Set.copyOf(spelled);
        this.target = target;
        this.hint = hint;
    }

    @Override
    public Optional<Refusal> check(RequestFacts request) {
        List<String> origins = request.all("origin");
        if (origins.size() > 1) {
            return refuse("The request has more than one Origin header.");
        }
        if (origins.isEmpty()) {
            return checkFetchMetadata(request);
        }
        String origin = origins.get(0);
        if (allowed.contains(origin)) {
            return Optional.empty();
        }
        return refuse("The origin '" + Redactor.printable(origin, 100) + "' is not allowed to call " + target + ".");
    }

    /** True when the browser said this origin and it is on the list: only then do CORS headers go out. */
    public boolean allows(String origin) {
        return origin != null && allowed.contains(origin);
    }

    /** A browser that sent no Origin still says where the request came from in Sec-Fetch-Site. */
    private Optional<Refusal> checkFetchMetadata(RequestFacts request) {
        Optional<String> site = request.single("sec-fetch-site");
        if (site.isEmpty() || site.get().equals("same-origin") || site.get().equals("none")) {
            return Optional.empty();
        }
        return refuse("A " + Redactor.printable(site.get(), 100) + " browser request without an allowed Origin was refused.");
    }

    private Optional<Refusal> refuse(String message) {
        return Optional.of(Refusal.of(ErrorCode.FORBIDDEN_ORIGIN, message, hint));
    }
}
