package voicebroker.mint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import voicebroker.json.JsonTree;
import voicebroker.config.BrokerConfig;
import voicebroker.config.SessionTemplates;
import voicebroker.guard.CallBudget;
import voicebroker.upstream.OpenAiClient;
import voicebroker.upstream.UpstreamFailure;

/**
 * Mints a Realtime client secret: builds the GA request from the mode's template, the model and the voice,
 * tries each configured model in order but moves on only when the upstream says the model is unavailable
 * (never on auth or other errors: retrying a refused key with another model only multiplies the refusals), and
 * shapes the answer the dashboard reads.
 */
public final class Minter {
    private final OpenAiClient upstream;
    private final BrokerConfig config;
    private final WarmSecrets warm;

    /** {@code budget} is the broker's call budget, which the warm secret's background refills spend too. */
    public Minter(OpenAiClient upstream, BrokerConfig config, CallBudget budget) {
        this.upstream = upstream;
        this.config = config;
        this.warm = config.warmSecret() ? new WarmSecrets(budget) : null;
    }

    /** The wire answer for {@code POST /api/session}: a kept warm secret when there is one, else a fresh mint. */
    public Map<String, Object> mint(MintRequest request) {
        if (warm == null) {
            return mintFresh(request);
        }
        Optional<Map<String, Object>> kept = warm.take(request);
        Map<String, Object> answer = kept.orElseGet(() -> mintFresh(request));
        // A kept secret cost this request no upstream call, so its place in the budget pays for the replacement.
        warm.refill(request, () -> mintFresh(request), kept.isPresent());
        return answer;
    }

    private Map<String, Object> mintFresh(MintRequest request) {
        List<String> models = config.models();
        UpstreamFailure last = null;
        for (String model : models) {
            try {
                JsonNode answer = upstream.postJson("/realtime/client_secrets", requestBody(request, model));
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

    ObjectNode requestBody(MintRequest request, String model) {
        ObjectNode body = JsonTree.objectNode();
        ObjectNode expires = body.putObject("expires_after");
        expires.put("anchor", "created_at");
        expires.put("seconds", config.secretTtlSeconds());
        ObjectNode template = config.templates().template(request.mode());
        body.set("session", SessionTemplates.forRequest(template, model, request.voice()));
        return body;
    }

    /** The fields dashboards read ({@code value}, {@code expires_at}, ...), plus absolute endpoint URLs so pages never do path arithmetic. */
    static final class MintAnswer {
        private static final Pattern SECRET_VALUE = Pattern.compile("[A-Za-z0-9_\\-.]{8,512}");

        private MintAnswer() {
        }

        static Map<String, Object> from(JsonNode answer, String requestedModel, MintRequest request,
                                        voicebroker.config.UpstreamBase base) {
            String value = answer.path("value").asText(answer.path("client_secret").path("value").asText(""));
            if (!SECRET_VALUE.matcher(value).matches()) {
                throw invalid("no usable client secret");
            }
            JsonNode expiresNode = answer.has("expires_at") ? answer.get("expires_at") : answer.path("client_secret").path("expires_at");
            if (!expiresNode.canConvertToLong() || expiresNode.asLong() <= 0) {
                throw invalid("no expiry");
            }
            JsonNode session = answer.path("session");
            String model = session.path("model").isTextual() ? session.get("model").asText() : requestedModel;
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("value", value);
            out.put("model", model);
            out.put("base", base.rootString());
            out.put("expires_at", expiresNode.asLong());
            out.put("configured", configured(session, request));
            out.put("calls_url", base.callsUrl());
            out.put("ws_url", base.wsUrl(model));
            return out;
        }

        /** Read back from the session the upstream echoes: what the page actually got, not what was asked. */
        private static Map<String, Object> configured(JsonNode session, MintRequest request) {
            JsonNode input = session.path("audio").path("input");
            JsonNode voice = session.path("audio").path("output").path("voice");
            Map<String, Object> configured = new LinkedHashMap<>();
            configured.put("instructions", session.path("instructions").isTextual() && !session.get("instructions").asText().isBlank());
            configured.put("mode", request.mode());
            configured.put("vad", textOrNull(input.path("turn_detection").path("type")));
            configured.put("transcription", textOrNull(input.path("transcription").path("model")));
            configured.put("voice", voice.isTextual() ? voice.asText() : textOrNull(voice.path("id")));
            return configured;
        }

        private static String textOrNull(JsonNode node) {
            return node.isTextual() ? node.asText() : null;
        }

        private static UpstreamFailure invalid(String what) {
            return UpstreamFailure.invalidAnswer(what);
        }
    }
}
