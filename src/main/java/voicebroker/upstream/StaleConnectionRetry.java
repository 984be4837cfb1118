package voicebroker.upstream;

import java.io.IOException;
import org.apache.hc.client5.http.HttpRequestRetryStrategy;
import org.apache.hc.core5.http.HttpRequest;
import org.apache.hc.core5.http.HttpResponse;
import org.apache.hc.core5.http.NoHttpResponseException;
import org.apache.hc.core5.http.protocol.HttpContext;
import org.apache.hc.core5.util.TimeValue;

/**
 * Sends a call once more, at once, when the upstream closed the connection without a byte of answer: that is
 * what a kept-alive connection the upstream has since closed looks like, and a blocking client only learns it
 * by using one. Nothing else is retried (no timeouts, no error answers, no 429 after sleeping on its
 * Retry-After). Repeating one of these POSTs is harmless: a secret or a speech the page never receives.
 */
final class StaleConnectionRetry implements HttpRequestRetryStrategy {
    @Override
    public boolean retryRequest(HttpRequest request, IOException exception, int execCount, HttpContext context) {
        return execCount == 1 && exception instanceof NoHttpResponseException;
    }

    @Override
    public boolean retryRequest(HttpResponse response, int execCount, HttpContext context) {
        return false;
    }

    @Override
    public TimeValue getRetryInterval(HttpResponse response, int execCount, HttpContext context) {
        return TimeValue.ZERO_MILLISECONDS;
    }
}
