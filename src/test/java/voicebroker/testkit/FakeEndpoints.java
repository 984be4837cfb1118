package voicebroker.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What {@link FakeOpenAi} answers on its three endpoints, modelled on the real API: the same status codes, error
 * shapes and response bodies, checked against the contract. Paths here are relative to the fake's base path.
 */
final class FakeEndpoints {

    static final String CLIENT_SECRETS = "/realtime/client_secrets";
    static final String SPEECH = "/audio/speech";
    static final String CALLS = "/realtime/calls";

    /** What browsers may send to the calls endpoint: the SDP post, plus the header the Agents SDK adds. */
    static final String CALLS_REQUEST_HEADERS = "authorization, content-type, openai-beta, x-openai-agents-sdk";

    static final String CLIENT_SECRET_REQUEST = "RealtimeCreateClientSecretRequest";
    static final String CLIENT_SECRET_RESPONSE = "RealtimeCreateClientSecretResponse";
    static final String SPEECH_REQUEST = "CreateSpeechRequest";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();

    private final FakeOpenAi fake;
    /** Client secrets this fake minted, with their expiry in epoch seconds; /realtime/calls accepts only these. */
    private final Map<String, Long> mintedSecrets = new ConcurrentHashMap<>();
    /** The session each secret was minted with: a WebRTC call greets the browser with it in session.created. */
    private final Map<String, JsonNode> mintedSessions = new ConcurrentHashMap<>();
    private final Queue<String> mintOrder = new ConcurrentLinkedQueue<>();
    private final AtomicInteger remembered = new AtomicInteger();
    private volatile int rememberedAtMost = FakeOpenAi.REMEMBERED_SECRETS;
    private volatile boolean expireAsMinted;

    FakeEndpoints(FakeOpenAi fake) {
        this.fake = fake;
    }

    // ---- contract checks (run for every recorded request, before any fault) -----------------------------------

    List<String> contractViolations(String method, String path, HeaderList headers, byte[] body) {
        if (!method.equals("POST")) {
            return List.of();
        }
        switch (endpointOf(path)) {
            case CLIENT_SECRETS:
                return jsonViolations(CLIENT_SECRET_REQUEST, headers, body);
            case SPEECH:
                return jsonViolations(SPEECH_REQUEST, headers, body);
            case CALLS:
                return sdpViolations(headers, body);
            default:
                return List.of();
        }
    }

    private static List<String> jsonViolations(String schema, HeaderList headers, byte[] body) {
        if (!hasMediaType(headers, "application/json")) {
            return List.of("Content-Type must be application/json, was " + headers.first("Content-Type"));
        }
        List<String> violations = new ArrayList<>();
        for (String message : ContractValidator.validate(schema, new String(body, StandardCharsets.UTF_8))) {
            violations.add(schema + ": " + message);
        }
        return violations;
    }

    private static List<String> sdpViolations(HeaderList headers, byte[] body) {
        List<String> violations = new ArrayList<>();
        if (!hasMediaType(headers, "application/sdp")) {
            violations.add("Content-Type must be application/sdp, was " + headers.first("Content-Type"));
        }
        if (!FakeSdp.looksLikeSdp(new String(body, StandardCharsets.UTF_8))) {
            violations.add("body must be an SDP offer starting with v=0");
        }
        return violations;
    }

    /** Compares the media type itself (parameters such as charset are allowed), not a substring. */
    private static boolean hasMediaType(HeaderList headers, String expected) {
        String contentType = headers.first("Content-Type");
        if (contentType == null) {
            return false;
        }
        String mediaType = contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        return mediaType.equals(expected);
    }

    // ---- routing ---------------------------------------------------------------------------------------------

    FakeResponse answer(RecordedRequest request) {
        String endpoint = endpointOf(request.path());
        if (endpoint.startsWith(CALLS) && request.method().equals("OPTIONS")) {
            return withCors(FakeResponse.empty(204))
                    .withHeader("Access-Control-Allow-Methods", "POST, OPTIONS")
                    .withHeader("Access-Control-Allow-Headers", CALLS_REQUEST_HEADERS)
                    .withHeader("Access-Control-Max-Age", "600");
        }
        boolean post = request.method().equals("POST");
        switch (endpoint) {
            case CLIENT_SECRETS:
                return post ? mint(request) : wrongMethod(request);
            case SPEECH:
                return post ? speech(request) : wrongMethod(request);
            case CALLS:
                return post ? call(request) : wrongMethod(request);
            default:
                return OpenAiErrors.response(404, "Invalid URL (" + request.method() + " " + request.path() + ")",
                        "invalid_request_error", null, null);
        }
    }

    /** The path below the base path ("/realtime/client_secrets"), or the whole path when it is elsewhere. */
    private String endpointOf(String path) {
        String base = fake.basePath();
        return path.startsWith(base + "/") ? path.substring(base.length()) : path;
    }

    private static FakeResponse wrongMethod(RecordedRequest request) {
        return OpenAiErrors.response(405, "Invalid method for URL (" + request.method() + " " + request.path() + ")",
                "invalid_request_error", null, null);
    }

    // ---- POST /realtime/client_secrets -----------------------------------------------------------------------

    private FakeResponse mint(RecordedRequest request) {
        FakeResponse refused = checkApiKey(request);
        if (refused != null) {
            return refused;
        }
        if (!request.violations().isEmpty()) {
            return invalidRequest(request.violations());
        }
        JsonNode body = request.json();
        JsonNode session = body.path("session");
        String model = session.path("model").asText("gpt-realtime");
        if (fake.isModelUnavailable(model)) {
            return OpenAiErrors.response(404, "The model `" + model
                    + "` does not exist or you do not have access to it.", "invalid_request_error", "session.model",
                    "model_not_found");
        }
        long expiresAt = Instant.now().getEpochSecond() + body.path("expires_after").path("seconds").asLong(600);
        String secret = "ek_" + randomHex(16);
        ObjectNode minted = FakeSessions.echo(session, model);
        remember(secret, minted, expireAsMinted ? 0L : expiresAt);
        ObjectNode response = JSON.createObjectNode();
        response.put("value", secret);
        response.put("expires_at", expiresAt);
        response.set("session", minted);
        return FakeResponse.json(200, response.toString());
    }

    /** 401 unless "Authorization: Bearer <expected key>"; the message echoes part of a wrong key, as OpenAI's does. */
    private FakeResponse checkApiKey(RecordedRequest request) {
        String token = request.bearerToken();
        if (token == null || token.isEmpty()) {
            return OpenAiErrors.response(401, "You didn't provide an API key. You need to provide your API key in an"
                    + " Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
                    "invalid_request_error", null, null);
        }
        if (!token.equals(fake.expectedKey())) {
            return OpenAiErrors.response(401, "Incorrect API key provided: " + partlyMasked(token)
                    + ". You can find your API key at https://platform.openai.com/account/api-keys.",
                    "invalid_request_error", null, "invalid_api_key");
        }
        return null;
    }

    /** "sk-test-ab**********wxyz": deliberately leaks the start and end, so tests can prove the broker redacts. */
    static String partlyMasked(String key) {
        int shown = Math.min(10, key.length());
        String tail = key.length() > 14 ? key.substring(key.length() - 4) : "";
        return key.substring(0, shown) + "**********" + tail;
    }

    private static FakeResponse invalidRequest(List<String> violations) {
        String first = violations.get(0);
        return OpenAiErrors.response(400, "Invalid request: " + String.join("; ", violations),
                "invalid_request_error", paramOf(first), "invalid_value");
    }

    /** "RealtimeCreateClientSecretRequest: $.session.type: ..." becomes "session.type", like OpenAI's param. */
    private static String paramOf(String violation) {
        int dollar = violation.indexOf("$.");
        if (dollar < 0) {
            return null;
        }
        int end = violation.indexOf(':', dollar);
        return violation.substring(dollar + 2, end < 0 ? violation.length() : end);
    }

    // ---- POST /audio/speech ----------------------------------------------------------------------------------

    private FakeResponse speech(RecordedRequest request) {
        FakeResponse refused = checkApiKey(request);
        if (refused != null) {
            return refused;
        }
        if (!request.violations().isEmpty()) {
            return invalidRequest(request.violations());
        }
        String format = request.json().path("response_format").asText("mp3");
        AudioFormat audio = AudioFormat.of(format);
        return FakeResponse.generated(200, audio.contentType, fake.speechBytes(), audio.magic, (byte) 0x55, new byte[0])
                .chunked()
                .withPacing(fake.speechChunkBytes(), fake.speechChunkDelay());
    }

    /** Content types and leading "magic" bytes of the formats the speech endpoint offers. */
    private enum AudioFormat {
        MP3("audio/mpeg", "ID3\u0004\u0000\u0000\u0000\u0000\u0000\u0000"),
        OPUS("audio/ogg", "OggS"),
        AAC("audio/aac", "\u00ff\u00f1"),
        FLAC("audio/flac", "fLaC"),
        WAV("audio/wav", "RIFF"),
        PCM("audio/pcm", "");

        final String contentType;
        final byte[] magic;

        AudioFormat(String contentType, String magic) {
            this.contentType = contentType;
            this.magic = magic.getBytes(StandardCharsets.ISO_8859_1);
        }

        static AudioFormat of(String responseFormat) {
            return valueOf(responseFormat.toUpperCase(Locale.ROOT));
        }
    }

    // ---- POST /realtime/calls --------------------------------------------------------------------------------

    private FakeResponse call(RecordedRequest request) {
        String token = request.bearerToken();
        if (!isLiveSecret(token)) {
            return withCors(OpenAiErrors.response(401, "Invalid or expired client secret.", "invalid_request_error",
                    null, "invalid_api_key"));
        }
        if (!request.violations().isEmpty()) {
            return withCors(invalidRequest(request.violations()));
        }
        String callId = "rtc_" + randomHex(12);
        WebRtcPeer peer = fake.webRtcPeer();
        String answer;
        try {
            answer = peer == null ? FakeSdp.answerFor(request.bodyText())
                    : peer.answer(callId, request.bodyText(), mintedSessions.get(token));
        } catch (RuntimeException peerFailed) {
            return withCors(OpenAiErrors.response(500, "The server had an error while processing your request.",
                    "server_error", null, null));
        }
        return withCors(FakeResponse.text(201, "application/sdp", answer))
                .withHeader("Location", fake.basePath() + CALLS + "/" + callId);
    }

    /** The real API lets a browser call this endpoint directly with an ek_ secret, so it answers CORS openly. */
    private static FakeResponse withCors(FakeResponse response) {
        return response.withHeader("Access-Control-Allow-Origin", "*")
                .withHeader("Access-Control-Expose-Headers", "Location");
    }

    private void remember(String secret, JsonNode session, long expiresAt) {
        mintedSessions.put(secret, session);
        mintedSecrets.put(secret, expiresAt);
        mintOrder.add(secret);
        if (remembered.incrementAndGet() > rememberedAtMost) {
            String oldest = mintOrder.poll();
            mintedSecrets.remove(oldest);
            mintedSessions.remove(oldest);
            remembered.decrementAndGet();
        }
    }

    void rememberSecrets(int atMost) {
        rememberedAtMost = atMost;
    }

    boolean isLiveSecret(String token) {
        Long expiresAt = token == null ? null : mintedSecrets.get(token);
        return expiresAt != null && expiresAt > Instant.now().getEpochSecond();
    }

    Map<String, Long> mintedSecrets() {
        return Map.copyOf(mintedSecrets);
    }

    /** Makes every secret minted so far expired, so tests need not wait the 10 s minimum lifetime. */
    void expireSecrets() {
        mintedSecrets.replaceAll((secret, expiresAt) -> 0L);
    }

    void expireAsMinted(boolean on) {
        expireAsMinted = on;
        expireSecrets();
    }

    static String randomHex(int bytes) {
        byte[] random = new byte[bytes];
        RANDOM.nextBytes(random);
        return HexFormat.of().formatHex(random);
    }
}
