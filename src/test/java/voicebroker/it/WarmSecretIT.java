package voicebroker.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static voicebroker.it.Client.json;

import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import voicebroker.testkit.BrokerProcess;
import voicebroker.testkit.FakeOpenAi;

/** The opt-in warm secret: the second mint skips the upstream round trip, and no secret is handed out twice. */
class WarmSecretIT {
    private static final String CLIENT_SECRETS = "/v1/realtime/client_secrets";

    private static BrokerProcess broker(FakeOpenAi fake, String ttl) {
        return BrokerProcess.start(Map.of("OPENAI_API_KEY", FakeOpenAi.DEFAULT_KEY, "OPENAI_BASE_URL", fake.baseUrl(),
                "VOICE_PORT", String.valueOf(BrokerProcess.freePort()), "VOICE_WARM_SECRET", "1", "VOICE_SECRET_TTL", ttl,
                "VOICE_CALLS_PER_MINUTE", "1000"));
    }

    /** Waits until the fake has received {@code count} mints and answered them (it answers after its latency). */
    private static void awaitMinted(FakeOpenAi fake, int count) {
        fake.awaitRequests(r -> r.path().equals(CLIENT_SECRETS), count, Duration.ofSeconds(5));
        try {
            Thread.sleep(fake.latency().toMillis() + 200);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static long timedMillis(Runnable action) {
        long start = System.nanoTime();
        action.run();
        return (System.nanoTime() - start) / 1_000_000;
    }

    @Test
    void theNextMintForTheSameCombinationIsServedWithoutWaitingForTheUpstream() {
        try (FakeOpenAi fake = FakeOpenAi.http().latency(Duration.ofMillis(300)).start(); BrokerProcess broker = broker(fake, "600")) {
            Client client = new Client(broker);
            Set<String> handedOut = new HashSet<>();
            long cold = timedMillis(() -> handedOut.add(json(client.post("/api/session", "{\"voice\":\"cedar\"}")).path("value").asText()));
            assertTrue(cold >= 300, "the first mint waits for the upstream: " + cold + " ms");
            awaitMinted(fake, 2);
            for (int i = 0; i < 3; i++) {
                long warm = timedMillis(() -> assertTrue(handedOut.add(json(client.post("/api/session", "{\"voice\":\"cedar\"}")).path("value").asText()),
                        "a secret is handed out exactly once"));
                assertTrue(warm < 150, "a warm mint skips the 300 ms upstream: " + warm + " ms");
                awaitMinted(fake, i + 3);
            }
            handedOut.forEach(secret -> assertTrue(fake.isLiveSecret(secret), "every secret was really minted"));
            assertEquals(5, fake.requestsTo(CLIENT_SECRETS).size(), "never more than one minted ahead");
        }
    }

    @Test
    void aWarmSecretWithLessThanAMinuteLeftIsNeverHandedOut() {
        try (FakeOpenAi fake = FakeOpenAi.http().latency(Duration.ofMillis(200)).start(); BrokerProcess broker = broker(fake, "60")) {
            Client client = new Client(broker);
            json(client.post("/api/session", "{}"));
            awaitMinted(fake, 2);
            long second = timedMillis(() -> json(client.post("/api/session", "{}")));
            assertTrue(second >= 200, "a secret with 60 s left was discarded and a fresh one minted: " + second + " ms");
        }
    }

    @Test
    void otherCombinationsAreMintedFresh() {
        try (FakeOpenAi fake = FakeOpenAi.http().latency(Duration.ofMillis(200)).start(); BrokerProcess broker = broker(fake, "600")) {
            Client client = new Client(broker);
            json(client.post("/api/session", "{\"voice\":\"marin\"}"));
            awaitMinted(fake, 2);
            long other = timedMillis(() -> assertEquals("alloy", json(client.post("/api/session", "{\"voice\":\"alloy\"}")).path("configured").path("voice").asText()));
            assertTrue(other >= 200, "another voice does not get the kept marin secret: " + other + " ms");
        }
    }
}
