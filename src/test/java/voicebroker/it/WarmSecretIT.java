package voicebroker.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static voicebroker.it.Client.assertRefusal;
import static voicebroker.it.Client.json;

import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import voicebroker.testkit.BrokerProcess;
import voicebroker.testkit.FakeOpenAi;
import voicebroker.testkit.Fault;

/**
 * The opt-in warm secret, proved by behaviour rather than timing: once the kept secret is minted, the upstream
 * is made to hang, so only a kept secret can answer a mint; every other mint runs into the upstream timeout.
 */
class WarmSecretIT {
    private static final String CLIENT_SECRETS = "/v1/realtime/client_secrets";

    private static BrokerProcess broker(FakeOpenAi fake, String ttl) {
        return BrokerProcess.start(Brokers.against(fake, "VOICE_WARM_SECRET", "1", "VOICE_SECRET_TTL", ttl,
                "VOICE_UPSTREAM_TIMEOUT", "2", "VOICE_CALLS_PER_MINUTE", "1000"));
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

    private static String mint(Client client, String body) {
        HttpResponse<String> response = client.post("/api/session", body);
        assertEquals(200, response.statusCode(), response.body());
        return json(response).path("value").asText();
    }

    @Test
    void theKeptSecretAnswersWhileTheUpstreamHangsAndIsHandedOutOnce() {
        try (FakeOpenAi fake = FakeOpenAi.http().latency(Duration.ofMillis(100)).start(); BrokerProcess broker = broker(fake, "600")) {
            Client client = new Client(broker);
            String first = mint(client, "{\"voice\":\"cedar\"}");
            awaitMinted(fake, 2);
            fake.faultAlways(CLIENT_SECRETS, Fault.hang());

            String warm = mint(client, "{\"voice\":\"cedar\"}");
            assertNotEquals(first, warm);
            assertTrue(fake.isLiveSecret(warm), "the kept secret was really minted upstream");

            assertRefusal(client.post("/api/session", "{\"voice\":\"cedar\"}"), 504, "upstream_timeout");
            assertEquals(4, fake.requestsTo(CLIENT_SECRETS).size(),
                    "cold mint, one refill, the refill after the warm hand-out, and the timed-out fresh mint: never two ahead");
        }
    }

    @Test
    void refillsSpendTheCallBudgetAndAreSkippedWhenItIsSpent() {
        try (FakeOpenAi fake = FakeOpenAi.http().start();
             BrokerProcess broker = BrokerProcess.start(Brokers.against(fake, "VOICE_WARM_SECRET", "1", "VOICE_CALLS_PER_MINUTE", "3"))) {
            Client client = new Client(broker);
            mint(client, "{\"voice\":\"cedar\"}");
            awaitMinted(fake, 2);
            mint(client, "{\"voice\":\"cedar\"}");
            awaitMinted(fake, 3);
            assertRefusal(client.post("/api/session", "{\"voice\":\"cedar\"}"), 429, "rate_limited");
            assertEquals(3, fake.requestsTo(CLIENT_SECRETS).size(),
                    "three upstream calls for a budget of three: a cold mint, its refill, and the refill after the warm hand-out");
        }
    }

    @Test
    void aKeptSecretWithAMinuteOrLessLeftIsNeverHandedOut() {
        try (FakeOpenAi fake = FakeOpenAi.http().start(); BrokerProcess broker = broker(fake, "60")) {
            Client client = new Client(broker);
            mint(client, "{}");
            awaitMinted(fake, 2);
            fake.faultAlways(CLIENT_SECRETS, Fault.hang());
            assertRefusal(client.post("/api/session", "{}"), 504, "upstream_timeout");
        }
    }

    @Test
    void anotherVoiceDoesNotGetTheKeptSecret() {
        try (FakeOpenAi fake = FakeOpenAi.http().start(); BrokerProcess broker = broker(fake, "600")) {
            Client client = new Client(broker);
            mint(client, "{\"voice\":\"marin\"}");
            awaitMinted(fake, 2);
            fake.faultAlways(CLIENT_SECRETS, Fault.hang());
            assertRefusal(client.post("/api/session", "{\"voice\":\"alloy\"}"), 504, "upstream_timeout");
            assertEquals("marin", json(client.post("/api/session", "{\"voice\":\"marin\"}")).path("configured").path("voice").asText(),
                    "the marin secret is still kept for marin");
        }
    }
}
