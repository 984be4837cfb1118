package voicebroker.mint;

import java.util.List;
import java.util.Optional;
import voicebroker.config.BrokerConfig;
import voicebroker.guard.CallBudget;
import voicebroker.upstream.OpenAiClient;
import voicebroker.upstream.UpstreamFailure;

/**
 * Mints a Realtime client secret: builds the GA request from the mode's template, the model and the voice,
 * tries each configured model in order but moves on only when the upstream says the model is unavailable
 * (never on auth or other errors: retrying a refused key with another model only multiplies the refusals), and
 * shapes the answer the dashboard reads ({@link MintAnswer}) from the few fields it reads of the upstream's
 * ({@link UpstreamSecret}).
 */
public final class Minter {
    private final OpenAiClient upstream;
    private final BrokerConfig config;
    private final WarmSecrets warm;
    private final SessionBodies bodies;

    /** {@code budget} is the broker's call budget, which the warm secret's background refills spend too. */
    public Minter(OpenAiClient upstream, BrokerConfig config, CallBudget budget) {
        this.upstream = upstream;
        this.config = config;
        this.warm = config.warmSecret() ? new WarmSecrets(budget) : null;
        this.bodies = new SessionBodies(config);
    }

    /** The wire answer for {@code POST /api/session}: a kept warm secret when there is one, else a fresh mint. */
    public MintAnswer mint(MintRequest request) {
        if (warm == null) {
            return mintFresh(request);
        }
        Optional<MintAnswer> kept = warm.take(request);
        MintAnswer answer = kept.orElseGet(() -> mintFresh(request));
        // A kept secret cost this request no upstream call, so its place in the budget pays for the replacement.
        warm.refill(request, () -> mintFresh(request), kept.isPresent());
        return answer;
    }

    private MintAnswer mintFresh(MintRequest request) {
        List<String> models = config.models();
        UpstreamFailure last = null;
        for (String model : models) {
            try {
                UpstreamSecret answer = upstream.postJson("/realtime/client_secrets", bodies.body(request, model), UpstreamSecret::read);
                return MintAnswer.from(answer, model, request, config.base());
            } catch (UpstreamFailure failure) {
                if (!failure.modelUnavailable()) {
                    throw failure;
                }
                last = failure;
            }
        }
        throw last;
    }
}
