package voicebroker.guard;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import voicebroker.config.Secret;
import voicebroker.error.ErrorCode;
import voicebroker.error.Refusal;

/**
 * Rule 5: a token gate. The token is accepted only from the headers the gate names, never from a query string,
 * cookie or body; compared in constant time ({@link Secret#matches}); wrong attempts are throttled by a
 * {@link FailureThrottle}. The broker's gate takes {@code Authorization: Bearer} or one configured extra header;
 * requiring a custom header also forces browsers into a CORS preflight, which foreign origins fail (rule 4).
 * {@code /__start_voice} uses the same gate for the dev server's dashboard token, from its one header only.
 */
public final class TokenGuard implements Guard {
    private static final String BEARER = "bearer ";
    private final Supplier<Secret> token;
    private final Function<RequestFacts, List<String>> presented;
    private final FailureThrottle throttle;
    private final Wording wording;

    /**
     * How refusals speak of the token: its {@code name}, what to {@code retryWith} after a throttled guess, and a
     * {@code hint} where the error's own default hint (written for the broker token) does not fit.
     */
    public record Wording(String name, String retryWith, Optional<String> hint) {
        static final Wording BROKER = new Wording("broker token", "the running broker's token", Optional.empty());
    }

    /** The broker's gate: its token from {@code Authorization: Bearer} or {@code extraHeader}. */
    public TokenGuard(Secret token, Optional<String> extraHeader, FailureThrottle throttle) {
        this(() -> token, bearerOr(extraHeader.map(h -> h.toLowerCase(Locale.ROOT))), throttle, Wording.BROKER);
    }

    private TokenGuard(Supplier<Secret> token, Function<RequestFacts, List<String>> presented, FailureThrottle throttle,
                       Wording wording) {
        this.token = token;
        this.presented = presented;
        this.throttle = throttle;
        this.wording = wording;
    }

    /**
     * A gate whose token travels only in {@code header} and is fetched from {@code token} when one is presented, so a
     * token that changes (a new boot's) is seen; {@code token} may throw a {@link Refusal.Exception} when it cannot
     * be had, which answers the request.
     */
    public static TokenGuard inHeader(String header, Supplier<Secret> token, FailureThrottle throttle, Wording wording) {
        String name = header.toLowerCase(Locale.ROOT);
        return new TokenGuard(token, request -> request.all(name).stream().map(String::strip).toList(), throttle, wording);
    }

    @Override
    public Optional<Refusal> check(RequestFacts request) {
        List<String> tokens = presented.apply(request);
        if (tokens.isEmpty()) {
            return Optional.of(Refusal.of(ErrorCode.MISSING_TOKEN, "No " + wording.name() + " was sent.",
                    wording.hint().orElse(ErrorCode.MISSING_TOKEN.defaultHint())));
        }
        if (tokens.size() == 1 && token.get().matches(tokens.get(0))) {
            return Optional.empty();
        }
        long waitSeconds = throttle.recordFailure();
        if (waitSeconds > 0) {
            // The wait in words too, as for rate_limited: a page or a terminal shows the message, not the header.
            return Optional.of(Refusal.of(ErrorCode.TOO_MANY_FAILURES, ErrorCode.TOO_MANY_FAILURES.defaultMessage() + " Retry in " + waitSeconds + " s.",
                    "Wait " + waitSeconds + " s, then retry with " + wording.retryWith() + "; the right token keeps working meanwhile.")
                    .withHeader("Retry-After", Long.toString(waitSeconds)));
        }
        String message = tokens.size() > 1 ? "More than one token was sent." : "The " + wording.name() + " is wrong.";
        return Optional.of(Refusal.of(ErrorCode.BAD_TOKEN, message, wording.hint().orElse(ErrorCode.BAD_TOKEN.defaultHint())));
    }

    /** Every token-bearing value: each {@code Authorization} header (a non-Bearer one counts, as a wrong token) and the extra header. */
    private static Function<RequestFacts, List<String>> bearerOr(Optional<String> extraHeader) {
        return request -> {
            List<String> tokens = new ArrayList<>();
            for (String value : request.all("authorization")) {
                String trimmed = value.strip();
                tokens.add(trimmed.regionMatches(true, 0, BEARER, 0, BEARER.length()) ? trimmed.substring(BEARER.length()).strip() : "");
            }
            extraHeader.ifPresent(name -> request.all(name).forEach(v -> tokens.add(v.strip())));
            return tokens;
        };
    }
}
