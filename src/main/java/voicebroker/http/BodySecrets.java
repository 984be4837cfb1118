package voicebroker.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import voicebroker.error.ErrorCode;
import voicebroker.error.Refusal;
import voicebroker.pipeline.Chain;
import voicebroker.pipeline.Exchange;
import voicebroker.pipeline.Reply;
import voicebroker.pipeline.Step;

/** A request body must not carry the token or the key (e.g. the token pasted as a voice would travel upstream). */
final class BodySecrets implements Step {
    private final Secrets secrets;

    BodySecrets(Secrets secrets) {
        this.secrets = secrets;
    }

    @Override
    public Reply proceed(Exchange exchange, Chain next) throws IOException {
        if (secrets.appearIn(exchange.required(ObjectNode.class).toString())) {
            return Reply.refused(Refusal.of(ErrorCode.INVALID_REQUEST, "A field carries this broker's token or key.",
                    "Secrets never go in a request body: send the token only as 'Authorization: Bearer <token>'."));
        }
        return next.proceed(exchange);
    }
}
