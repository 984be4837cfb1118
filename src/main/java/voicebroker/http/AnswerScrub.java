package voicebroker.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import voicebroker.error.ErrorCode;
import voicebroker.error.Refusal;
import voicebroker.log.Log;
import voicebroker.pipeline.Chain;
import voicebroker.pipeline.Exchange;
import voicebroker.pipeline.Reply;
import voicebroker.pipeline.Step;

/**
 * The last line of rule 6: no JSON answer leaves with the token or the key in it, whole or in pieces. A hostile
 * upstream can echo the key into the fields of a mint answer, and a mangled request can carry the token into a
 * refusal's message. Answers are encoded here, once, so what is checked is exactly what is sent.
 */
final class AnswerScrub implements Step {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Secrets secrets;

    AnswerScrub(Secrets secrets) {
        this.secrets = secrets;
    }

    @Override
    public Reply proceed(Exchange exchange, Chain next) throws IOException {
        Reply reply = next.proceed(exchange);
        if (reply instanceof Reply.Json json) {
            return scrubbed(json);
        }
        if (reply instanceof Reply.Refused refused) {
            return scrubbed(refused.refusal());
        }
        return reply;
    }

    private Reply scrubbed(Reply.Json json) throws JsonProcessingException {
        byte[] bytes = JSON.writeValueAsBytes(json.body());
        if (!carriesSecret(bytes)) {
            return new Reply.Encoded(json.status(), bytes, json.headers(), false);
        }
        Log.error("an answer repeated a secret of this broker; it was withheld");
        Refusal withheld = Refusal.of(ErrorCode.UPSTREAM_UNAVAILABLE, "The upstream's answer repeated a secret of this broker, so it was withheld.");
        return new Reply.Encoded(withheld.status(), JSON.writeValueAsBytes(withheld.body()), json.headers(), true);
    }

    private Reply scrubbed(Refusal refusal) throws JsonProcessingException {
        byte[] bytes = JSON.writeValueAsBytes(refusal.body());
        if (carriesSecret(bytes)) {
            Log.error("a refusal echoed a secret of this broker; it went out without its details");
            bytes = JSON.writeValueAsBytes(Refusal.of(refusal.code()).body());
        }
        return new Reply.Encoded(refusal.status(), bytes, refusal.headers(), true);
    }

    private boolean carriesSecret(byte[] json) {
        return secrets.appearIn(new String(json, StandardCharsets.UTF_8));
    }
}
