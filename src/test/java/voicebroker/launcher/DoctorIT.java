package voicebroker.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import voicebroker.testkit.BrokerProcess;
import voicebroker.testkit.FakeOpenAi;

/**
 * {@code voice doctor} against a local upstream (CI has no internet): plain http on loopback, and https with a
 * self-signed certificate, trusted or not. The fake records every HTTP request, so "nothing was sent" (no mint,
 * no key) is checked, not assumed.
 */
class DoctorIT {

    private static String line(VoiceCli.Run run, String check) {
        return run.stdout().lines().filter(l -> l.matches("\\S+\\s+" + check + "\\s.*")).findFirst()
                .orElseThrow(() -> new AssertionError("no '" + check + "' line in\n" + run));
    }

    @Test
    void passesAgainstALocalUpstreamWithoutSendingAnything() {
        try (FakeOpenAi fake = FakeOpenAi.http().start(); VoiceCli voice = new VoiceCli(fake.baseUrl())) {
            VoiceCli.Run doctor = voice.run("doctor");

            assertEquals(0, doctor.exit(), doctor::toString);
            for (String check : List.of("java", "jar", "config", "key", "base", "origins", "runtime dir", "port", "upstream")) {
                assertTrue(line(doctor, check).startsWith("ok "), () -> check + " failed:\n" + doctor);
            }
            assertTrue(line(doctor, "key").endsWith("OPENAI_API_KEY ****6789 (44 chars)"), doctor::toString);
            assertTrue(line(doctor, "port").contains(voice.port + " is free"), doctor::toString);
            assertFalse(doctor.all().contains(VoiceCli.KEY));
            assertEquals(List.of(), fake.requests(), "the doctor connects but sends no request");
            assertTrue(fake.connectionsAccepted() >= 1, "the upstream check did connect");
        }
    }

    @Test
    void failsOnABaseUrlThatIsNotAllowedAndNamesTheFix() {
        try (VoiceCli voice = new VoiceCli("https://evil.example.com/v1")) {
            VoiceCli.Run doctor = voice.run("doctor");

            assertEquals(1, doctor.exit(), doctor::toString);
            String base = line(doctor, "base");
            assertTrue(base.startsWith("FAIL  base"), doctor::toString);
            assertTrue(base.contains("OPENAI_BASE_URL: 'https://evil.example.com/v1' is refused"), base);
            assertTrue(base.contains("Fix: ") && base.contains("VOICE_ALLOWED_BASE_HOSTS"), base);
            assertTrue(line(doctor, "upstream").startsWith("skip"), "no connection to a refused base: " + doctor);
            assertTrue(line(doctor, "key").startsWith("ok "), "the other checks still run: " + doctor);
        }
    }

    @Test
    void failsWhenTheUpstreamDoesNotAnswer() {
        int nothingListens = BrokerProcess.freePort();
        try (VoiceCli voice = new VoiceCli("http://127.0.0.1:" + nothingListens + "/v1")) {
            VoiceCli.Run doctor = voice.run("doctor");

            assertEquals(1, doctor.exit(), doctor::toString);
            assertTrue(line(doctor, "upstream").matches("FAIL  upstream +127\\.0\\.0\\.1:" + nothingListens
                    + " refused the connection.*Fix: .*OPENAI_BASE_URL.*"), doctor::toString);
        }
    }

    @Test
    void checksTlsWithVerificationAndStillSendsNothing() {
        try (FakeOpenAi fake = FakeOpenAi.https().start(); VoiceCli voice = new VoiceCli(fake.baseUrl())) {
            VoiceCli.Run untrusted = voice.run("doctor");
            assertEquals(1, untrusted.exit(), untrusted::toString);
            assertTrue(line(untrusted, "upstream").contains("TLS handshake with 127.0.0.1:" + fake.port() + " failed"), untrusted::toString);
            assertTrue(line(untrusted, "upstream").contains("never turn verification off"), untrusted::toString);

            VoiceCli.Run trusted = voice.run(Map.of(), fake.certificate().trustStoreJvmArgs(), null, "doctor");
            assertEquals(0, trusted.exit(), trusted::toString);
            assertTrue(line(trusted, "upstream").contains("TLS handshake ok"), trusted::toString);

            assertEquals(List.of(), fake.requests(), "handshakes only: no HTTP request, so no key, ever reached the upstream");
        }
    }

    @Test
    void reportsOurRunningBrokerAndAForeignConfiguration() {
        try (FakeOpenAi fake = FakeOpenAi.http().start(); VoiceCli voice = new VoiceCli(fake.baseUrl())) {
            long pid = voice.run("start", "--json").json().path("pid").asLong();

            VoiceCli.Run doctor = voice.run("doctor");
            assertEquals(0, doctor.exit(), doctor::toString);
            assertTrue(line(doctor, "port").contains("held by our voice-broker (pid " + pid + ", started by voice, configuration current)"), doctor::toString);

            VoiceCli.Run changed = voice.runWithEnv(Map.of("VOICE_ALLOWED_ORIGINS", "http://localhost:8081"), "doctor");
            assertTrue(line(changed, "port").contains("configuration stale"), changed::toString);
        }
    }
}
