package voicebroker.mint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import voicebroker.config.BrokerConfig;
import voicebroker.config.Secret;
import voicebroker.config.UpstreamBase;
import voicebroker.error.ErrorCode;
import voicebroker.guard.CallBudget;
import voicebroker.testkit.FakeOpenAi;
import voicebroker.testkit.Fault;
import voicebroker.testkit.RecordedRequest;
import voicebroker.upstream.OpenAiClient;
import voicebroker.upstream.UpstreamFailure;

/**
 * Minting in-process against the contract-checking fake upstream: the request it builds, which failures move on to
 * the next model (only "model unavailable"), and the answer the page reads.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MinterTest {
    private static final String MINTS = "/v1/realtime/client_secrets";
    private FakeOpenAi fake;

    @BeforeAll
    void start() {
        fake = FakeOpenAi.http().start();
    }

    @AfterAll
    void stop() {
        fake.close();
    }

    @BeforeEach
    void clean() {
        fake.clearFaults();
        fake.modelAvailable("gpt-realtime");
        fake.modelAvailable("gpt-realtime-2");
        fake.clear();
    }

    private Minter minter(UnaryOperator<BrokerConfig.Builder> settings) {
        Secret key = Secret.of(FakeOpenAi.DEFAULT_KEY);
        BrokerConfig config = settings.apply(BrokerConfig.builder().apiKey(key).base(UpstreamBase.parse(fake.baseUrl(), Set.of()))
                .runtimeDir(Path.of("minter-test-runtime-unused"))).build();
        return new Minter(new OpenAiClient(config, key), config, new CallBudget(8, 1000));
    }

    private Minter minter() {
        return minter(settings -> settings);
    }

    @Test
    void theRequestIsTheGaShapeFromTemplateModelVoiceAndTtl() {
        minter(settings -> settings.secretTtlSeconds(120)).mint(new MintRequest("companion", "cedar"));
        RecordedRequest sent = fake.requestsTo(MINTS).get(0);
        assertEquals(List.of(), sent.violations(), "the request satisfies the contract");
        assertEquals("Bearer " + FakeOpenAi.DEFAULT_KEY, sent.header("authorization"), "the key goes only to the configured base");
        JsonNode body = sent.json();
        assertEquals("created_at", body.path("expires_after").path("anchor").asText());
        assertEquals(120, body.path("expires_after").path("seconds").asInt());
        assertEquals("realtime", body.path("session").path("type").asText());
        assertEquals("gpt-realtime", body.path("session").path("model").asText(), "the first configured model");
        assertEquals("cedar", body.path("session").path("audio").path("output").path("voice").asText());
        assertTrue(body.path("session").path("instructions").isTextual(), "the companion template has instructions");
    }

    @Test
    void aVoiceAskedForOnceNeverSticksToTheTemplate() {
        Minter minter = minter();
        minter.mint(new MintRequest("companion", "cedar"));
        minter.mint(new MintRequest("companion", null));
        List<String> voices = fake.requestsTo(MINTS).stream()
                .map(r -> r.json().path("session").path("audio").path("output").path("voice").asText()).toList();
        assertEquals(List.of("cedar", "marin"), voices, "the second mint gets the template's voice, not the first page's");
    }

    @Test
    void theAnswerIsWhatThePageReadsWithAbsoluteEndpoints() {
        MintAnswer answer = minter().mint(new MintRequest("companion", null));
        assertTrue(fake.isLiveSecret(answer.value()), "the secret is the one the upstream minted");
        assertEquals("gpt-realtime", answer.model());
        assertEquals(fake.rootUrl(), answer.base());
        assertTrue(answer.expiresAt() > System.currentTimeMillis() / 1000);
        assertEquals(fake.baseUrl() + "/realtime/calls", answer.callsUrl());
        assertEquals(fake.baseUrl().replaceFirst("^http", "ws") + "/realtime?model=gpt-realtime", answer.wsUrl());
        assertEquals("companion", answer.configured().mode());
        assertEquals("marin", answer.configured().voice(), "read back from the session the upstream echoed, not from the request");
        assertFalse(answer.toString().contains(FakeOpenAi.DEFAULT_KEY));
    }

    @Test
    void anUnavailableModelMovesOnToTheNext() {
        fake.modelUnavailable("gpt-realtime");
        assertEquals("gpt-realtime-2", minter().mint(new MintRequest("companion", null)).model());
        assertEquals(List.of("gpt-realtime", "gpt-realtime-2"),
                fake.requestsTo(MINTS).stream().map(r -> r.json().path("session").path("model").asText()).toList());
    }

    @Test
    void whenNoModelIsAvailableTheLastRefusalComesBack() {
        fake.modelUnavailable("gpt-realtime");
        fake.modelUnavailable("gpt-realtime-2");
        UpstreamFailure failure = assertThrows(UpstreamFailure.class, () -> minter().mint(new MintRequest("companion", null)));
        assertEquals(ErrorCode.UPSTREAM_REJECTED, failure.refusal().code());
        assertEquals(2, fake.requestsTo(MINTS).size());
    }

    @Test
    void anyOtherFailureIsNeverRetriedWithAnotherModel() {
        for (Fault fault : List.of(Fault.status(401), Fault.status(429), Fault.status(500), Fault.invalidJson())) {
            fake.clear();
            fake.faultNext(MINTS, 1, fault);
            assertThrows(UpstreamFailure.class, () -> minter().mint(new MintRequest("companion", null)), fault.toString());
            assertEquals(1, fake.requestsTo(MINTS).size(), "one call only for " + fault);
        }
    }

    @Test
    void anAnswerWithoutAUsableSecretIsRefusedNotPassedOn() {
        fake.faultNext(MINTS, 1, Fault.status(200, "{\"value\":\"short\",\"expires_at\":1900000000}"));
        UpstreamFailure failure = assertThrows(UpstreamFailure.class, () -> minter().mint(new MintRequest("companion", null)));
        assertEquals(ErrorCode.UPSTREAM_UNAVAILABLE, failure.refusal().code());
        fake.faultNext(MINTS, 1, Fault.status(200, "{\"value\":\"ek_long_enough_value\"}"));
        assertThrows(UpstreamFailure.class, () -> minter().mint(new MintRequest("companion", null)), "no expiry, no answer");
    }
}
