package voicebroker.mint;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import voicebroker.log.Log;

/**
 * The opt-in warm secret ({@code VOICE_WARM_SECRET=1}): after a mint for a (mode, voice), one more secret is
 * minted in the background and kept, so the next page that asks for the same combination gets it without an
 * upstream round trip. Rules: each secret is handed out exactly once; at most one is kept ahead per combination;
 * one with less than a minute left is discarded, never handed out; the refill happens off the request path.
 * Trade-off: one extra live (unused) secret per combination in use, valid for up to the configured TTL.
 */
final class WarmSecrets {
    static final long MIN_SECONDS_LEFT = 60;
    private static final int MAX_COMBINATIONS = 16;
    private final Map<MintRequest, Map<String, Object>> ready = new ConcurrentHashMap<>();
    private final Set<MintRequest> refilling = ConcurrentHashMap.newKeySet();
    private final ExecutorService refiller = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "warm-secret-refill");
        t.setDaemon(true);
        return t;
    });

    /** Takes the kept secret for this combination, if there is one with more than a minute left. */
    Optional<Map<String, Object>> take(MintRequest request) {
        Map<String, Object> answer = ready.remove(request);
        if (answer == null) {
            return Optional.empty();
        }
        long secondsLeft = ((Number) answer.get("expires_at")).longValue() - System.currentTimeMillis() / 1000;
        return secondsLeft > MIN_SECONDS_LEFT ? Optional.of(answer) : Optional.empty();
    }

    /** Mints one secret ahead in the background, unless one is already kept or on its way. */
    void refill(MintRequest request, Supplier<Map<String, Object>> mint) {
        if (ready.containsKey(request) || ready.size() >= MAX_COMBINATIONS || !refilling.add(request)) {
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
