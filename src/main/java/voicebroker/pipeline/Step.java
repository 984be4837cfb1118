package voicebroker.pipeline;

import java.io.IOException;
import java.util.Optional;
import java.util.function.Predicate;
import voicebroker.error.Refusal;
import voicebroker.guard.Guard;

/**
 * One step of a request pipeline. A step either answers at once (a refusal, a preflight, a route's answer) or
 * passes the exchange on with {@code next.proceed(...)} and may change what comes back (add headers, withhold a
 * secret, release a resource in a {@code finally}). The steps of a {@link Pipeline} run in list order, so the
 * order of the checks is written down once, as a list.
 */
@FunctionalInterface
public interface Step {

    Reply proceed(Exchange exchange, Chain next) throws IOException;

    /** {@code step} for the exchanges {@code applies} accepts; every other exchange passes it by untouched. */
    static Step onlyIf(Predicate<Exchange> applies, Step step) {
        return (exchange, next) -> applies.test(exchange) ? step.proceed(exchange, next) : next.proceed(exchange);
    }

    /** A yes/no {@link Guard} as a step: a refusal answers, "allowed" passes the exchange on untouched. */
    static Step guard(Guard guard) {
        return (exchange, next) -> {
            Optional<Refusal> refusal = guard.check(exchange.request());
            return refusal.isPresent() ? Reply.refused(refusal.get()) : next.proceed(exchange);
        };
    }
}
