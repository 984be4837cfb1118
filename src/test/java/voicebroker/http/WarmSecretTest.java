package voicebroker.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static voicebroker.http.InProcessBroker.dashboard;
import static voicebroker.testkit.Refusals.assertRefusal;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import voicebroker.config.Limits;
import voicebroker.testkit.Answer;
import voicebroker.testkit.FakeOpenAi;
import voicebroker.testkit.Fault;

/**
 * The opt-in warm secret, proved by behaviour rather than timing: once the kept secret is minted, the upstream
 * is made to hang, so only a kept secret can answer a mint; every other mint runs into the upstream timeout.
 */
class WarmSecretTest {
    private static final String CLIENT_SECRETS = "/v1/realtime/client_secrets";

    private static InProcessBroker broker(FakeOpenAi fake, int ttl) {
        return InProcessBroker.against(fake, config -> config.warmSecret(true).secretTtlSeconds(ttl)
                .limits(Limits.defaults().withUpstreamTimeout(Duration.ofSeconds(2)).withCallRates(8, 1000)));
    }

    private static Answer post(InProcessBroker broker, String body) {
        return broker.send(dashboard("/api/session", body));
    }

    /** Waits until the fake has received {@code count} mints and answered them (it answers after its latency). */
    private static void awaitMinted(FakeOpenAi fake, int count) {
        fake.awaitRequests(r -> r.path().equals(CLIENT_SECRETS), count, Duration.ofSeconds(5));
        try {
            Thread.sleep(fake.latency().toMillis() + 300);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String mint(InProcessBroker broker, String body) {
        Answer response = post(broker, body);
        assertEquals(200, response.status(), response.body());
        return response.json().path("value").asText();
    }

    @Test
    void theKeptSecretAnswersWhileTheUpstreamHangsAndIsHandedOutOnce() {
        try (FakeOpenAi fake = FakeOpenAi.http().latency(Duration.ofMillis(100)).start()) {
            InProcessBroker broker = broker(fake, 600);
            String first = mint(broker, "{\"voice\":\"cedar\"}");
            awaitMinted(fake, 2);
            fake.faultAlways(CLIENT_SECRETS, Fault.hang());

            String warm = mint(broker, "{\"voice\":\"cedar\"}");
            assertNotEquals(first, warm);
            assertTrue(fake.isLiveSecret(warm), "the kept secret was really minted upstream");

            assertRefusal(post(broker, "{\"voice\":\"cedar\"}"), 504, "upstream_timeout");
            assertEquals(4, fake.requestsTo(CLIENT_SECRETS).size(),
                    "cold mint, one refill, the refill after the warm hand-out, and the timed-out fresh mint: never two ahead");
        }
    }

    @Test
    void refillsSpendTheCallBudgetAndAreSkippedWhenItIsSpent() {
        try (FakeOpenAi fake = FakeOpenAi.http().start()) {
            InProcessBroker broker = InProcessBroker.against(fake, config -> config.warmSecret(true)
                    .limits(Limits.defaults().withCallRates(8, 3)));
            mint(broker, "{\"voice\":\"cedar\"}");
            awaitMinted(fake, 2);
            mint(broker, "{\"voice\":\"cedar\"}");
            awaitMinted(fake, 3);
            assertRefusal(post(broker, "{\"voice\":\"cedar\"}"), 429, "rate_limited");
            assertEquals(3, fake.requestsTo(CLIENT_SECRETS).size(),
                    "three upstream calls for a budget of three: a cold mint, its refill, and the refill after the warm hand-out");
        }
    }

    @Test
    void aKeptSecretWithAMinuteOrLessLeftIsNeverHandedOut() {
        try (FakeOpenAi fake = FakeOpenAi.http().start()) {
            InProcessBroker broker = broker(fake, 60);
            mint(broker, "{}");
            awaitMinted(fake, 2);
            fake.faultAlways(CLIENT_SECRETS, Fault.hang());
            assertRefusal(post(broker, "{}"), 504, "upstream_timeout");
        }
    }

    @Test
    void anotherVoiceDoesNotGetTheKeptSecret() {
        try (FakeOpenAi fake = FakeOpenAi.http().start()) {
            InProcessBroker broker = broker(fake, 600);
            mint(broker, "{\"voice\":\"marin\"}");
            awaitMinted(fake, 2);
            fake.faultAlways(CLIENT_SECRETS, Fault.hang());
            assertRefusal(post(broker, "{\"voice\":\"alloy\"}"), 504, "upstream_timeout");
            assertEquals("marin", post(broker, "{\"voice\":\"marin\"}").json().path("configured").path("voice").asText(),
                    "the marin secret is still kept for marin");
        }
    }
}
