package voicebroker.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import voicebroker.error.ErrorCode;
import voicebroker.error.Refusal;
import voicebroker.leak.SecretScrub;
import voicebroker.pipeline.Chain;
import voicebroker.pipeline.Exchange;
import voicebroker.pipeline.Reply;
import voicebroker.pipeline.Step;

/**
 * A body value that is the whole token or key is refused before anything goes upstream (the token pasted as a
 * voice would travel there). Only a whole secret counts: a check that answered differently for a piece would let a
 * caller read the key a character at a time (see {@link SecretScrub}).
 */
final class BodySecrets implements Step {
    private final SecretScrub scrub;

    BodySecrets(SecretScrub scrub) {
        this.scrub = scrub;
    }

    @Override
    public Reply proceed(Exchange exchange, Chain next) throws IOException {
        if (textValues(exchange.required(ObjectNode.class)).stream().anyMatch(scrub::carriesWhole)) {
            return Reply.refused(Refusal.of(ErrorCode.INVALID_REQUEST, "A field carries this broker's token or key.",
                    "Secrets never go in a request body: send the token only as 'Authorization: Bearer <token>'."));
        }
        return next.proceed(exchange);
    }

    /** The string values of the body's fields: what the request brought, which answers may echo. */
    static List<String> textValues(ObjectNode body) {
        List<String> values = new ArrayList<>();
        body.forEach(value -> {
            if (value.isTextual()) {
                values.add(value.asText());
            }
        });
        return values;
    }
}
