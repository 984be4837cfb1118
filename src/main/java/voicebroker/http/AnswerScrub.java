package voicebroker.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import voicebroker.json.JsonTree;
import voicebroker.error.ErrorCode;
import voicebroker.error.Refusal;
import voicebroker.leak.SecretScrub;
import voicebroker.leak.SecretStreamScan;
import voicebroker.log.Log;
import voicebroker.pipeline.Chain;
import voicebroker.pipeline.Exchange;
import voicebroker.pipeline.Reply;
import voicebroker.pipeline.StreamBody;
import voicebroker.pipeline.Step;

/**
 * Rule 6 for what a route answers, which carries what the upstream said: a hostile upstream (or a proxy) can echo
 * the key into a mint answer's fields or reflect the Authorization header into audio.
 * <ul>
 *   <li>A JSON answer is encoded here, once, and withheld when it holds a whole secret or a piece of one that the
 *   request did not bring (see {@link SecretScrub#addsPiece}: the caller's own values are blanked first, so no
 *   answer depends on whether a value overlaps a secret).</li>
 *   <li>A stream is watched for whole secrets and cut, with a logged error, before one reaches the page.</li>
 * </ul>
 */
final class AnswerScrub implements Step {
    private final SecretScrub scrub;

    AnswerScrub(SecretScrub scrub) {
        this.scrub = scrub;
    }

    @Override
    public Reply proceed(Exchange exchange, Chain next) throws IOException {
        Reply reply = next.proceed(exchange);
        if (reply instanceof Reply.Json json) {
            return scrubbed(json, BodySecrets.textValues(exchange.required(ObjectNode.class)));
        }
        if (reply instanceof Reply.Stream stream) {
            return new Reply.Stream(watched(stream.body()), stream.headers());
        }
        return reply;
    }

    private Reply scrubbed(Reply.Json json, List<String> requestValues) throws IOException {
        byte[] bytes = JsonTree.bytes(json.body());
        if (!scrub.addsPiece(new String(bytes, StandardCharsets.UTF_8), requestValues)) {
            return new Reply.Encoded(json.status(), bytes, json.headers(), false);
        }
        Log.error("an answer repeated a secret of this broker; it was withheld");
        Refusal withheld = Refusal.of(ErrorCode.UPSTREAM_UNAVAILABLE, "The upstream's answer repeated a secret of this broker, so it was withheld.");
        return new Reply.Encoded(withheld.status(), JsonTree.bytes(withheld.body()), json.headers(), true);
    }

    private StreamBody watched(StreamBody body) {
        return new StreamBody() {
            @Override
            public String contentType() {
                return body.contentType();
            }

            @Override
            public void copyTo(OutputStream out) throws IOException {
                SecretStreamScan scan = scrub.watch(out);
                try {
                    body.copyTo(scan);
                    scan.close(); // the bytes held back at the end go out now
                } catch (SecretStreamScan.SecretFound e) {
                    Log.error("the upstream's audio carried a secret of this broker; the stream was cut before it");
                }
            }

            @Override
            public void close() throws IOException {
                body.close();
            }
        };
    }
}
