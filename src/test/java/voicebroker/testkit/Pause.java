package voicebroker.testkit;

import java.time.Duration;

/** Test code's one way to wait a moment: an interrupt keeps its flag and ends the test as an error. */
public final class Pause {
    private Pause() {
    }

    public static void of(Duration duration) {
        millis(duration.toMillis());
    }

    public static void millis(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
