package voicebroker.guard;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import voicebroker.config.Secret;
import voicebroker.error.ErrorCode;
import voicebroker.error.Refusal;

/**
 * Rule 5: the local token gate. The token is accepted only from {@code Authorization: Bearer} or the one
 * configured extra header, never from a query string, cookie or body; compared in constant time; wrong
 * attempts are throttled by a {@link FailureThrottle}. Requiring a custom header also forces browsers into a
 * CORS preflight, which foreign origins fail (rule 4).
 */
public final class TokenGuard implements Guard {
    private static final String BEARER = "bearer ";
    private final Secret token;
    private final Optional<String> extraHeader;
    private final FailureThrottle throttle;

    public TokenGuard(Secret token, Optional<String> extraHeader, FailureThrottle throttle) {
        this.token = token;
        this.extraHeader = extraHeader.map(h -> h.toLowerCase(Locale.ROOT));
        this.throttle = throttle;
    }

    @Override
    public Optional<Refusal> check(RequestFacts request) {
        List<String> presented = presentedTokens(request);
        if (presented.isEmpty()) {
            return Optional.of(Refusal.of(ErrorCode.MISSING_TOKEN));
        }
        if (presented.size() == 1 && token.matches(presented.get(0))) {
            return Optional.empty();
        }
        long waitSeconds = throttle.recordFailure();
        if (waitSeconds > 0) {
            // The wait in words too, as for rate_limited: a page or a terminal shows the message, not the header.
            return Optional.of(Refusal.of(ErrorCode.TOO_MANY_FAILURES, ErrorCode.TOO_MANY_FAILURES.defaultMessage() + " Retry in " + waitSeconds + " s.",
                    "Wait " + waitSeconds + " s, then retry with the running broker's token; the right token keeps working meanwhile.")
                    .withHeader("Retry-After", Long.toString(waitSeconds)));
        }
        String message = presented.size() > 1 ? "More than one token was sent." : ErrorCode.BAD_TOKEN.defaultMessage();
        return Optional.of(Refusal.of(ErrorCode.BAD_TOKEN, message));
    }

    /** Every token-bearing value in the request; more than one is ambiguous and refused. */
    private List<String> presentedTokens(RequestFacts request) {
        List<String> tokens = new java.util.ArrayList<>();
        for (String value : request.all("authorization")) {
            String trimmed = value.strip();
            tokens.add(trimmed.toLowerCase(Locale.ROOT).startsWith(BEARER) ? trimmed.substring(BEARER.length()).strip() : "");
        }
        extraHeader.ifPresent(name -> request.all(name).forEach(v -> tokens.add(v.strip())));
        return tokens;
    }
}
