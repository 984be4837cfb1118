package voicebroker.http;

import java.util.Map;
import voicebroker.error.Refusal;
import voicebroker.upstream.AudioStream;

/** What a route answers: a JSON document, a refusal, an empty answer, or audio streamed from the upstream. */
public sealed interface Reply {

    record Json(int status, Object body, Map<String, String> headers) implements Reply {
    }

    record Refused(Refusal refusal) implements Reply {
    }

    record Empty(int status, Map<String, String> headers) implements Reply {
    }

    record Audio(AudioStream stream) implements Reply {
    }

    static Reply json(Object body) {
        return new Json(200, body, Map.of());
    }

    static Reply refused(Refusal refusal) {
        return new Refused(refusal);
    }
}
