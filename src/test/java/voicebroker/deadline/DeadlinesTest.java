package voicebroker.deadline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DeadlinesTest {
    private final Deadlines deadlines = new Deadlines("test-deadlines", 10);

    @AfterEach
    void stop() {
        deadlines.close();
    }

    @Test
    void aDeadlinePassedRunsItsExpiryOnce() throws InterruptedException {
        AtomicInteger expiries = new AtomicInteger();
        Deadlines.Deadline deadline = deadlines.start(expiries::incrementAndGet, Duration.ofMillis(20));
        Thread.sleep(200);
        assertEquals(1, expiries.get());
        assertTrue(deadline.expired());
    }

    @Test
    void aMovedDeadlineIsTheOneThatCounts() throws InterruptedException {
        AtomicInteger expiries = new AtomicInteger();
        Deadlines.Deadline deadline = deadlines.start(expiries::incrementAndGet, Duration.ofMillis(50));
        deadline.within(Duration.ofSeconds(30).toNanos());
        Thread.sleep(200);
        assertEquals(0, expiries.get(), "moved later");
        deadline.within(0);
        Thread.sleep(200);
        assertEquals(1, expiries.get(), "moved to now");
    }

    @Test
    void noDeadlineAndClosedOnesNeverExpire() throws InterruptedException {
        AtomicInteger expiries = new AtomicInteger();
        Deadlines.Deadline waiting = deadlines.watch(expiries::incrementAndGet);
        Deadlines.Deadline stopped = deadlines.start(expiries::incrementAndGet, Duration.ofMillis(10));
        stopped.stop();
        Deadlines.Deadline done = deadlines.start(expiries::incrementAndGet, Duration.ofMillis(10));
        done.close();
        Thread.sleep(200);
        assertEquals(0, expiries.get());
        assertFalse(waiting.expired() || stopped.expired() || done.expired());
    }

    @Test
    void closingTheDeadlinesExpiresWhatIsStillWatched() {
        AtomicInteger expiries = new AtomicInteger();
        deadlines.watch(expiries::incrementAndGet);
        deadlines.start(expiries::incrementAndGet, Duration.ofMinutes(1));
        deadlines.close();
        assertEquals(2, expiries.get());
    }
}
