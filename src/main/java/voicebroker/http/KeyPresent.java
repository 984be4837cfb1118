package voicebroker.http;

import java.io.IOException;
import voicebroker.error.ErrorCode;
import voicebroker.error.Refusal;
import voicebroker.pipeline.Chain;
import voicebroker.pipeline.Exchange;
import voicebroker.pipeline.Reply;
import voicebroker.pipeline.Step;

/** A broker started without a key runs (health answers) but refuses every route that needs one with {@code no_key}. */
final class KeyPresent implements Step {
    private final boolean keyed;

    KeyPresent(boolean keyed) {
        this.keyed = keyed;
    }

    @Override
    public Reply proceed(Exchange exchange, Chain next) throws IOException {
        return keyed ? next.proceed(exchange) : Reply.refused(Refusal.of(ErrorCode.NO_KEY));
    }
}
