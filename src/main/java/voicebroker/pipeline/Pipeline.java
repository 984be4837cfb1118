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
    /** {@code links[i]} runs step {@code i} with {@code links[i + 1]} as its next: made once, not per request and step. */
    private final Chain[] links;

    public Pipeline(List<Step> steps) {
        this.steps = List.copyOf(steps);
        this.links = new Chain[this.steps.size() + 1];
        links[this.steps.size()] = exchange -> {
            throw new IllegalStateException("the last step of a pipeline must answer, not pass the request on");
        };
        for (int i = 0; i < this.steps.size(); i++) {
            int index = i;
            links[i] = exchange -> run(index, exchange);
        }
    }

    @Override
    public Reply proceed(Exchange exchange) throws IOException {
        return links[0].proceed(exchange);
    }

    private Reply run(int index, Exchange exchange) throws IOException {
        try {
            return steps.get(index).proceed(exchange, links[index + 1]);
        } catch (Refusal.Exception e) {
            return Reply.refused(e.refusal());
        } catch (RuntimeException e) {
            Log.error("unexpected failure on " + exchange.request().method() + " " + AccessLog.safePath(exchange) + ": " + e);
            return Reply.refused(Refusal.of(ErrorCode.INTERNAL));
        }
    }
}
