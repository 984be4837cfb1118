package voicebroker.pipeline;

import java.io.InputStream;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import voicebroker.guard.RequestFacts;

/**
 * One request on its way through a pipeline: what the guards look at ({@link RequestFacts}), the body as an
 * unread stream (a step that needs it reads it, bounded, and only after the checks that come before it), and
 * what earlier steps found out, as typed tags (the route that matched, the parsed body). Immutable: a step that
 * learns something passes on {@link #withTag} to the next.
 */
public final class Exchange {
    private final RequestFacts request;
    private final InputStream body;
    private final Map<Class<?>, Object> tags;

    private Exchange(RequestFacts request, InputStream body, Map<Class<?>, Object> tags) {
        this.request = request;
        this.body = body;
        this.tags = tags;
    }

    public static Exchange of(RequestFacts request, InputStream body) {
        return new Exchange(request, body, Map.of());
    }

    public RequestFacts request() {
        return request;
    }

    /** The raw body; read it at most once, and never past a limit. */
    public InputStream body() {
        return body;
    }

    /** The same exchange, also carrying {@code value} for the steps after this one. */
    public <T> Exchange withTag(Class<T> type, T value) {
        Map<Class<?>, Object> more = new HashMap<>(tags);
        more.put(type, value);
        return new Exchange(request, body, Map.copyOf(more));
    }

    public <T> Optional<T> tag(Class<T> type) {
        return Optional.ofNullable(type.cast(tags.get(type)));
    }

    /** A tag an earlier step must have set; its absence means the pipeline is in the wrong order. */
    public <T> T required(Class<T> type) {
        return tag(type).orElseThrow(() -> new IllegalStateException("no " + type.getSimpleName()
                + " on the exchange: the step that finds it must come earlier in the pipeline"));
    }
}
