package voicebroker.guard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import voicebroker.error.Refusal;

/** rate_limited says in words how long to wait: a page or a terminal shows the message, rarely Retry-After. */
class CallBudgetTest {

    @Test
    void aSpentMinuteBudgetSaysHowManySecondsToWaitInTheMessageAndTheHeader() {
        CallBudget budget = new CallBudget(8, 1);
        assertTrue(budget.acquire().isEmpty());
        budget.release();
        Refusal refused = budget.acquire().orElseThrow();
        String seconds = refused.headers().get("Retry-After");
        assertTrue(Integer.parseInt(seconds) >= 1 && Integer.parseInt(seconds) <= 60, seconds);
        assertTrue(refused.message().contains("Retry in " + seconds + " s"), refused.message());
        assertTrue(refused.hint().startsWith("Wait " + seconds + " s"), refused.hint());
        assertTrue(refused.message().contains("VOICE_CALLS_PER_MINUTE"), refused.message());
    }

    @Test
    void aFullInFlightBudgetSaysOneSecond() {
        CallBudget budget = new CallBudget(1, 60);
        assertTrue(budget.acquire().isEmpty());
        Refusal refused = budget.acquire().orElseThrow();
        assertEquals("1", refused.headers().get("Retry-After"));
        assertTrue(refused.message().contains("Retry in 1 s"), refused.message());
    }
}
