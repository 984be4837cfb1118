package voicebroker.pipeline;

import java.io.InputStream;
import java.util.Objects;
import java.util.Optional;
import voicebroker.guard.RequestFacts;

/**
 * One request on its way through a pipeline: what the guards look at ({@link RequestFacts}), the connection it came
 * in on, the body as an unread stream (a step that needs it reads it, bounded, and only after the checks that come before it), and
 * what earlier steps found out, as typed tags (the route that matched, the parsed body). Immutable: a step that
 * learns something passes on {@link #withTag} to the next.
 */
public final class Exchange {
    private final RequestFacts request;
    private final Connection connection;
    private final InputStream body;
    /** The latest tag first; a request gathers two or three, so a short chain beats a map copied per tag. */
    private final Tag tags;

    private record Tag(Class<?> type, Object value, Tag next) {
    }

    private Exchange(RequestFacts request, Connection connection, InputStream body, Tag tags) {
        this.request = request;
        this.connection = connection;
        this.body = body;
        this.tags = tags;
    }

    public static Exchange of(RequestFacts request, Connection connection, InputStream body) {
        return new Exchange(request, connection, body, null);
    }

    public RequestFacts request() {
        return request;
    }

    public Connection connection() {
        return connection;
    }

    /** The raw body; read it at most once, and never past a limit. */
    public InputStream body() {
        return body;
    }

    /** The same exchange, also carrying {@code value} for the steps after this one. */
    public <T> Exchange withTag(Class<T> type, T value) {
        return new Exchange(request, connection, body, new Tag(type, Objects.requireNonNull(value), tags));
    }

    public <T> Optional<T> tag(Class<T> type) {
        return Optional.ofNullable(type.cast(find(type)));
    }

    /** A tag an earlier step must have set; its absence means the pipeline is in the wrong order. */
    public <T> T required(Class<T> type) {
        Object value = find(type);
        if (value == null) {
            throw new IllegalStateException("no " + type.getSimpleName() + " on the exchange: the step that finds it must come earlier in the pipeline");
        }
        return type.cast(value);
    }

    private Object find(Class<?> type) {
        for (Tag tag = tags; tag != null; tag = tag.next()) {
            if (tag.type() == type) {
                return tag.value();
            }
        }
        return null;
    }
}
