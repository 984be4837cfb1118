package voicebroker.http;

import java.io.IOException;
import java.util.Optional;
import voicebroker.error.Refusal;
import voicebroker.guard.CallBudget;
import voicebroker.pipeline.Chain;
import voicebroker.pipeline.Exchange;
import voicebroker.pipeline.Reply;
import voicebroker.pipeline.Step;

/** Takes one upstream call from the {@link CallBudget} (or answers {@code rate_limited}) and gives it back however the call ends. */
final class BudgetStep implements Step {
    private final CallBudget budget;

    BudgetStep(CallBudget budget) {
        this.budget = budget;
    }

    @Override
    public Reply proceed(Exchange exchange, Chain next) throws IOException {
        Optional<Refusal> limited = budget.acquire();
        if (limited.isPresent()) {
            return Reply.refused(limited.get());
        }
        try {
            return next.proceed(exchange);
        } finally {
            budget.release();
        }
    }
}
