package voicebroker.pipeline;

import java.util.HashMap;
import java.util.Map;
import voicebroker.error.Refusal;

/**
 * What a pipeline answers: a JSON document, a refusal, an empty answer, a stream, or JSON already encoded (by the
 * step that must see the exact bytes that go out). Every kind carries its response headers; steps on the way
 * back add theirs with {@link #withHeaders}.
 */
public sealed interface Reply {

    int status();

    Map<String, String> headers();

    /** The same answer with {@code more} headers (replacing any of the same name). */
    Reply withHeaders(Map<String, String> more);

    /** True for refusals: they hold nothing secret, which some headers depend on. */
    default boolean isRefusal() {
        return false;
    }

    record Json(int status, Object body, Map<String, String> headers) implements Reply {
        public Json {
            headers = Map.copyOf(headers);
        }

        @Override
        public Reply withHeaders(Map<String, String> more) {
            return new Json(status, body, merged(headers, more));
        }
    }

    /** A refusal; its headers (for example {@code Retry-After}) live on the {@link Refusal}. */
    record Refused(Refusal refusal) implements Reply {
        @Override
        public int status() {
            return refusal.status();
        }

        @Override
        public Map<String, String> headers() {
            return refusal.headers();
        }

        @Override
        public Reply withHeaders(Map<String, String> more) {
            Refusal out = refusal;
            for (Map.Entry<String, String> header : more.entrySet()) {
                out = out.withHeader(header.getKey(), header.getValue());
            }
            return new Refused(out);
        }

        @Override
        public boolean isRefusal() {
            return true;
        }
    }

    record Empty(int status, Map<String, String> headers) implements Reply {
        public Empty {
            headers = Map.copyOf(headers);
        }

        @Override
        public Reply withHeaders(Map<String, String> more) {
            return new Empty(status, merged(headers, more));
        }
    }

    /** A 200 whose body is copied through as it arrives (upstream audio). */
    record Stream(StreamBody body, Map<String, String> headers) implements Reply {
        public Stream {
            headers = Map.copyOf(headers);
        }

        @Override
        public int status() {
            return 200;
        }

        @Override
        public Reply withHeaders(Map<String, String> more) {
            return new Stream(body, merged(headers, more));
        }
    }

    /** JSON bytes ready to send; {@code refusal} says whether they are a refusal body. */
    record Encoded(int status, byte[] json, Map<String, String> headers, boolean refusal) implements Reply {
        public Encoded {
            headers = Map.copyOf(headers);
        }

        @Override
        public Reply withHeaders(Map<String, String> more) {
            return new Encoded(status, json, merged(headers, more), refusal);
        }

        @Override
        public boolean isRefusal() {
            return refusal;
        }
    }

    static Reply json(Object body) {
        return new Json(200, body, Map.of());
    }

    static Reply refused(Refusal refusal) {
        return new Refused(refusal);
    }

    static Reply stream(StreamBody body) {
        return new Stream(body, Map.of());
    }

    /** {@code more} over {@code headers}; the record's constructor makes the copy it keeps. */
    private static Map<String, String> merged(Map<String, String> headers, Map<String, String> more) {
        if (headers.isEmpty()) {
            return more;
        }
        Map<String, String> out = new HashMap<>(headers);
        out.putAll(more);
        return out;
    }
}
