package voicebroker.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ConnectionReuseStrategy;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.RequestHeaderFieldsTooLargeException;
import org.apache.hc.core5.http.impl.io.HttpService;
import org.apache.hc.core5.http.io.HttpServerRequestHandler;
import org.apache.hc.core5.http.protocol.HttpProcessor;
import voicebroker.error.ErrorCode;
import voicebroker.error.Refusal;
import voicebroker.log.Log;
import voicebroker.pipeline.Reply;
import voicebroker.pipeline.SafeHeaders;

/**
 * HttpCore's request handling, with the broker's answer to a request it cannot read as HTTP/1.1: a head over the
 * server's limit is {@code headers_too_large}, anything else (a broken request line or header, an ambiguous body
 * length, an unsupported version or coding) is {@code bad_request}. Either is the usual JSON refusal with the
 * headers every answer carries, never HttpCore's own text, which quotes the request; then the connection closes.
 */
final class ProtocolRefusals extends HttpService {

    ProtocolRefusals(HttpProcessor processor, HttpServerRequestHandler handler, ConnectionReuseStrategy reuse) {
        super(processor, handler, reuse, null);
    }

    @Override
    protected void handleException(HttpException unreadable, ClassicHttpResponse response) {
        ErrorCode code = unreadable instanceof RequestHeaderFieldsTooLargeException ? ErrorCode.HEADERS_TOO_LARGE : ErrorCode.BAD_REQUEST;
        Log.info("refused a request that is not readable HTTP/1.1: " + code.code() + " (" + unreadable.getClass().getSimpleName() + ")");
        try {
            ClassicHttpResponse refusal = Replies.response(SafeHeaders.on(Reply.refused(Refusal.of(code))));
            response.setCode(refusal.getCode());
            response.setHeaders(refusal.getHeaders());
            response.setEntity(refusal.getEntity());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
