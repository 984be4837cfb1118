package voicebroker.pipeline;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Headers every answer carries: never cached ({@code no-store}), never sniffed into another type, a cache key that
 * includes the Origin, no referrer. Answers that are not refusals also get {@code Cross-Origin-Resource-Policy:
 * same-origin}, so no foreign page can embed them. Refusals go without it: a page on another localhost port must
 * be able to see that the broker refused it (Chromium blocks an opaque no-cors answer under any CORP value), or it
 * cannot tell "forbidden" from "not running"; a refusal holds nothing secret.
 */
public final class SafeHeaders implements Step {
    private static final Map<String, String> FOR_REFUSALS = Map.of(
            "Cache-Control", "no-store",
            "X-Content-Type-Options", "nosniff",
            "Vary", "Origin",
            "Referrer-Policy", "no-referrer");
    private static final Map<String, String> FOR_ANSWERS = with(FOR_REFUSALS, "Cross-Origin-Resource-Policy", "same-origin");

    @Override
    public Reply proceed(Exchange exchange, Chain next) throws IOException {
        return on(next.proceed(exchange));
    }

    /** The reply with these headers: also for answers given before any pipeline runs (a request HTTP cannot read). */
    public static Reply on(Reply reply) {
        return reply.withHeaders(reply.isRefusal() ? FOR_REFUSALS : FOR_ANSWERS);
    }

    private static Map<String, String> with(Map<String, String> headers, String name, String value) {
        Map<String, String> more = new LinkedHashMap<>(headers);
        more.put(name, value);
        return Map.copyOf(more);
    }
}
