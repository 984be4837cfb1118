package voicebroker.startvoice;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import voicebroker.error.ErrorCode;
import voicebroker.error.Refusal;
import voicebroker.guard.KeyFields;
import voicebroker.log.Redactor;
import voicebroker.pipeline.Chain;
import voicebroker.pipeline.Exchange;
import voicebroker.pipeline.Reply;
import voicebroker.pipeline.Step;
import voicebroker.pipeline.StrictJson;

/**
 * The body is empty or a JSON object without a single field ({@link StrictJson}, as the broker reads its bodies):
 * nothing from the browser shapes the launch, and a key sent from a page is named as such.
 */
final class NoFields implements Step {
    static final int MAX_BYTES = 16 * 1024;
    private static final String NOTHING_FROM_BROWSER = StartVoiceHandler.PATH + " takes no fields: the key and base come only from the dev "
            + "server's environment or the broker's .env file. Send an empty body or {}.";

    @Override
    public Reply proceed(Exchange exchange, Chain next) throws IOException {
        StartVoiceHandler.Request request = exchange.required(StartVoiceHandler.Request.class);
        if (request.bodyTooLarge() || request.body().length > MAX_BYTES) {
            return Reply.refused(Refusal.of(ErrorCode.BODY_TOO_LARGE, "The request body is larger than " + MAX_BYTES + " bytes.",
                    NOTHING_FROM_BROWSER));
        }
        if (new String(request.body(), StandardCharsets.UTF_8).isBlank()) {
            return next.proceed(exchange);
        }
        JsonNode body;
        try {
            body = StrictJson.read(request.body());
        } catch (IOException e) {
            return Reply.refused(Refusal.of(ErrorCode.BAD_JSON, "The request body is not valid JSON.", NOTHING_FROM_BROWSER));
        }
        if (body == null || !body.isObject()) {
            return Reply.refused(Refusal.of(ErrorCode.BAD_JSON, "The request body is not a JSON object.", NOTHING_FROM_BROWSER));
        }
        return body.fieldNames().hasNext() ? Reply.refused(refuseField(body.fieldNames().next())) : next.proceed(exchange);
    }

    private static Refusal refuseField(String name) {
        String shown = Redactor.printable(name, 64);
        if (KeyFields.looksLikeKey(name)) {
            return Refusal.of(ErrorCode.KEY_FROM_BROWSER, "An API key was sent to " + StartVoiceHandler.PATH + " ('" + shown
                    + "'); keys are never accepted from a browser.", NOTHING_FROM_BROWSER).withField("field", shown);
        }
        return Refusal.invalidField(shown, "The field '" + shown + "' is not accepted: " + StartVoiceHandler.PATH + " takes no fields.",
                NOTHING_FROM_BROWSER);
    }
}
