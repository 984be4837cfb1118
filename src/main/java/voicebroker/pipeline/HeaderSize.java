package voicebroker.pipeline;

import java.io.IOException;
import voicebroker.error.ErrorCode;
import voicebroker.error.Refusal;

/** A header section over the limit is refused before any header is looked at (rule 8: everything is bounded). */
public final class HeaderSize implements Step {
    private final int maxBytes;

    public HeaderSize(int maxBytes) {
        this.maxBytes = maxBytes;
    }

    @Override
    public Reply proceed(Exchange exchange, Chain next) throws IOException {
        if (exchange.request().headerBytes() > maxBytes) {
            return Reply.refused(Refusal.of(ErrorCode.HEADERS_TOO_LARGE));
        }
        return next.proceed(exchange);
    }
}
