package voicebroker.pipeline;

import java.io.IOException;
import java.util.Optional;
import voicebroker.error.Refusal;
import voicebroker.guard.SameUserGuard;

/**
 * Only this process's OS user may call: the {@link SameUserGuard} judges the connection's owner from the kernel's
 * socket tables, which no header can forge, once per connection where the server keeps its owner. Where the platform has
 * no such tables it lets the request through.
 */
public final class SameUser implements Step {
    private final SameUserGuard guard;

    public SameUser(SameUserGuard guard) {
        this.guard = guard;
    }

    @Override
    public Reply proceed(Exchange exchange, Chain next) throws IOException {
        Connection connection = exchange.connection();
        Optional<Refusal> refused = guard.check(connection.owner(), connection.remote(), connection.local());
        return refused.isPresent() ? Reply.refused(refused.get()) : next.proceed(exchange);
    }
}
