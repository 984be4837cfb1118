package voicebroker.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import voicebroker.pipeline.Chain;
import voicebroker.pipeline.Exchange;
import voicebroker.pipeline.Reply;
import voicebroker.pipeline.Step;

/**
 * Reads the body only now, for a caller who proved it holds the token: bounded, strict JSON (see
 * {@link RequestBodies}), and only the route's own fields (see {@link Fields}). The parsed object goes on as a tag.
 */
final class JsonBody implements Step {
    private final int maxBytes;

    JsonBody(int maxBytes) {
        this.maxBytes = maxBytes;
    }

    @Override
    public Reply proceed(Exchange exchange, Chain next) throws IOException {
        ObjectNode body = RequestBodies.readJsonObject(exchange.body(), exchange.request(), maxBytes);
        Fields.allowOnly(body, exchange.required(Route.class).fields());
        return next.proceed(exchange.withTag(ObjectNode.class, body));
    }
}
