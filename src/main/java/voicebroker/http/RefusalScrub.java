package voicebroker.http;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import voicebroker.json.JsonTree;
import voicebroker.error.Refusal;
import voicebroker.leak.SecretScrub;
import voicebroker.log.Log;
import voicebroker.pipeline.Chain;
import voicebroker.pipeline.Exchange;
import voicebroker.pipeline.Reply;
import voicebroker.pipeline.Step;

/**
 * Rule 6 for refusals: a refusal that would carry the whole token or key (a mangled request can fold the
 * Authorization header into an echoed Origin) goes out with its code and nothing else. Whole secrets only: a
 * refusal echoes what the caller sent, and reacting to a piece of a secret there would be an oracle. Refusals are
 * encoded here, once, so what is checked is exactly what is sent.
 */
final class RefusalScrub implements Step {
    private final SecretScrub scrub;

    RefusalScrub(SecretScrub scrub) {
        this.scrub = scrub;
    }

    @Override
    public Reply proceed(Exchange exchange, Chain next) throws IOException {
        Reply reply = next.proceed(exchange);
        if (!(reply instanceof Reply.Refused refused)) {
            return reply;
        }
        Refusal refusal = refused.refusal();
        byte[] bytes = JsonTree.bytes(refusal.body());
        if (scrub.carriesWhole(new String(bytes, StandardCharsets.UTF_8))) {
            Log.error("a refusal echoed a secret of this broker; it went out without its details");
            bytes = JsonTree.bytes(Refusal.of(refusal.code()).body());
        }
        return new Reply.Encoded(refusal.status(), bytes, refusal.headers(), true);
    }
}
