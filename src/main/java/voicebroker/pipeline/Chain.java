package voicebroker.pipeline;

import java.io.IOException;

/** The rest of a pipeline, as seen from one step: hand it the exchange, get back the answer. */
@FunctionalInterface
public interface Chain {
    Reply proceed(Exchange exchange) throws IOException;
}
