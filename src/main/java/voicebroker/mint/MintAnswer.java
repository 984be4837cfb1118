package voicebroker.mint;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.util.regex.Pattern;
import voicebroker.config.UpstreamBase;
import voicebroker.json.JsonTree;
import voicebroker.upstream.UpstreamFailure;

/**
 * The answer a page reads for a mint: the fields dashboards read ({@code value}, {@code expires_at}, ...), plus
 * absolute endpoint URLs so pages never do path arithmetic. It writes itself as JSON, in this order, with no map
 * in between.
 */
public record MintAnswer(String value, String model, String base, long expiresAt, Configured configured,
                         String callsUrl, String wsUrl) implements JsonTree.Writable {
    private static final Pattern SECRET_VALUE = Pattern.compile("[A-Za-z0-9_\\-.]{8,512}");

    /** What the session really got, read back from the session the upstream echoed; null where it did not say. */
    public record Configured(boolean instructions, String mode, String vad, String transcription, String voice) {
    }

    /** The page's answer from the upstream's, refused when it has no usable secret or no expiry. */
    static MintAnswer from(UpstreamSecret answer, String requestedModel, MintRequest request, UpstreamBase base) {
        if (!SECRET_VALUE.matcher(answer.value()).matches()) {
            throw UpstreamFailure.invalidAnswer("no usable client secret");
        }
        if (answer.expiresAt() <= 0) {
            throw UpstreamFailure.invalidAnswer("no expiry");
        }
        UpstreamSecret.Session session = answer.session();
        String model = session.model() != null ? session.model() : requestedModel;
        Configured configured = new Configured(session.instructions(), request.mode(), session.vad(), session.transcription(),
                session.voice());
        return new MintAnswer(answer.value(), model, base.rootString(), answer.expiresAt(), configured, base.callsUrl(),
                base.wsUrl(model));
    }

    @Override
    public void writeTo(JsonGenerator json) throws IOException {
        json.writeStartObject();
        json.writeStringField("value", value);
        json.writeStringField("model", model);
        json.writeStringField("base", base);
        json.writeNumberField("expires_at", expiresAt);
        json.writeObjectFieldStart("configured");
        json.writeBooleanField("instructions", configured.instructions());
        json.writeStringField("mode", configured.mode());
        json.writeStringField("vad", configured.vad());
        json.writeStringField("transcription", configured.transcription());
        json.writeStringField("voice", configured.voice());
        json.writeEndObject();
        json.writeStringField("calls_url", callsUrl);
        json.writeStringField("ws_url", wsUrl);
        json.writeEndObject();
    }
}
