package voicebroker.pipeline;

import java.io.IOException;
import voicebroker.log.Log;
import voicebroker.log.Redactor;

/** One log line per request: method, path (never the query), status and time taken to decide; {@link Log} escapes control characters. */
public final class AccessLog implements Step {

    @Override
    public Reply proceed(Exchange exchange, Chain next) throws IOException {
        long start = System.nanoTime();
        Reply reply = next.proceed(exchange);
        Log.info(exchange.request().method() + " " + safePath(exchange) + " " + reply.status() + " "
                + (System.nanoTime() - start) / 1_000_000 + "ms");
        return reply;
    }

    /** The path for a log line: never the query, which is where a careless caller might put a token. */
    static String safePath(Exchange exchange) {
        String path = exchange.request().path();
        return path == null ? "(absolute-form target)" : Redactor.printable(path, 64);
    }
}
