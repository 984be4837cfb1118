package voicebroker.json;

import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The one default-configured object mapper the broker and the launcher share. A mapper keeps the serializers and
 * deserializers it has built; each class holding a mapper of its own built them again on its first use, on the
 * paths a user waits on (start-up, the first mint). It is never reconfigured, so it is safe to share between
 * threads. It is made when first touched, so a command that never writes JSON (status, stop, mint read with
 * {@link JsonTree}) never builds it. Request bodies are read by {@code pipeline.StrictJson} instead, which is configured differently.
 */
public final class Json {
    public static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {
    }
}
