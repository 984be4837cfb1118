package voicebroker.pipeline;

import java.io.IOException;
import java.util.List;
import voicebroker.error.ErrorCode;
import voicebroker.error.Refusal;
import voicebroker.log.Log;

/**
 * An ordered list of {@link Step}s run as a chain: the first step gets the exchange and the rest of the list as
 * {@code next}, and so on; the last step must answer. A step may also answer by throwing: a
 * {@link Refusal.Exception} (handy deep inside body parsing or an upstream call) becomes that refusal, and any
 * other runtime exception becomes {@code internal} and an error log line. Either way the steps before it see an
 * ordinary reply, so their headers and {@code finally} blocks apply to every answer.
 */
public final class Pipeline implements Chain {
    private final List<Step> steps;

    public Pipeline(List<Step> steps) {
        this.steps = List.copyOf(steps);
    }

    @Override
    public Reply proceed(Exchange exchange) throws IOException {
        return proceedFrom(0, exchange);
    }

    private Reply proceedFrom(int index, Exchange exchange) throws IOException {
        if (index == steps.size()) {
            throw new IllegalStateException("the last step of a pipeline must answer, not pass the request on");
        }
        try {
            return steps.get(index).proceed(exchange, next -> proceedFrom(index + 1, next));
        } catch (Refusal.Exception e) {
            return Reply.refused(e.refusal());
        } catch (RuntimeException e) {
            Log.error("unexpected failure on " + exchange.request().method() + " " + AccessLog.safePath(exchange) + ": " + e);
            return Reply.refused(Refusal.of(ErrorCode.INTERNAL));
        }
    }
}
