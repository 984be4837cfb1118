package voicebroker.guard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import voicebroker.config.Secret;
import voicebroker.error.Refusal;

/**
 * rate_limited and too_many_failures say in words how long to wait: a page or a terminal shows the message,
 * rarely Retry-After.
 */
class WaitMessagesTest {

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

    @Test
    void tooManyWrongTokensSaysHowManySecondsToWait() throws Exception {
        TokenGuard guard = new TokenGuard(Secret.of("right-token-" + "r".repeat(40)), Optional.empty(), new FailureThrottle(1, Duration.ofSeconds(30)));
        RequestFacts wrong = new RequestFacts(InetAddress.getLoopbackAddress(), "POST", "/api/session",
                Map.of("Authorization", List.of("Bearer wrong-token-" + "w".repeat(40))));
        guard.check(wrong);
        Refusal refused = guard.check(wrong).filter(r -> r.code().code().equals("too_many_failures")).orElseThrow();
        String seconds = refused.headers().get("Retry-After");
        assertTrue(refused.message().contains("Retry in " + seconds + " s"), refused.message());
        assertTrue(refused.hint().startsWith("Wait " + seconds + " s"), refused.hint());
    }
}
