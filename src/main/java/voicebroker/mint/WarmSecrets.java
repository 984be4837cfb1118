package voicebroker.mint;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import voicebroker.guard.CallBudget;
import voicebroker.log.Log;

/**
 * The opt-in warm secret ({@code VOICE_WARM_SECRET=1}): after a mint for a (mode, voice), one more secret is
 * minted in the background and kept, so the next page that asks for the same combination gets it without an
 * upstream round trip. Rules: each secret is handed out exactly once; at most one is kept ahead per combination;
 * one with less than a minute left is discarded, never handed out; the refill happens off the request path and
 * is an upstream call like any other, so it spends the call budget and is skipped when the budget is spent.
 * Trade-off: one extra live (unused) secret per combination in use, valid for up to the configured TTL.
 */
final class WarmSecrets {
    static final long MIN_SECONDS_LEFT = 60;
    private static final int MAX_COMBINATIONS = 16;
    private final Map<MintRequest, MintAnswer> ready = new ConcurrentHashMap<>();
    private final Set<MintRequest> refilling = ConcurrentHashMap.newKeySet();
    private final CallBudget budget;
    private final ExecutorService refiller = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "warm-secret-refill");
        t.setDaemon(true);
        return t;
    });

    WarmSecrets(CallBudget budget) {
        this.budget = budget;
    }

    /** Takes the kept secret for this combination, if there is one with more than a minute left. */
    Optional<MintAnswer> take(MintRequest request) {
        MintAnswer answer = ready.remove(request);
        if (answer == null) {
            return Optional.empty();
        }
        long secondsLeft = answer.expiresAt() - System.currentTimeMillis() / 1000;
        return secondsLeft > MIN_SECONDS_LEFT ? Optional.of(answer) : Optional.empty();
    }

    /**
     * Mints one secret ahead in the background, unless one is already kept or on its way, or the call budget is
     * spent (then the next page mints fresh, within the budget). {@code prepaid}: the page's own place in the
     * budget pays for this call, because the page was answered from a kept secret without an upstream call.
     * Only one refill runs at a time (one thread), so refills need no place among the calls in flight.
     */
    void refill(MintRequest request, Supplier<MintAnswer> mint, boolean prepaid) {
        if (ready.containsKey(request) || ready.size() >= MAX_COMBINATIONS || !refilling.add(request)) {
            return;
        }
        if (!prepaid && !budget.takeOne()) {
            refilling.remove(request);
            Log.debug("warm secret refill skipped: the call budget for this minute is spent");
            return;
        }
        refiller.execute(() -> {
            try {
                ready.put(request, mint.get());
            } catch (RuntimeException e) {
                Log.warn("warm secret refill failed: " + e.getMessage());
            } finally {
                refilling.remove(request);
            }
        });
    }
}
