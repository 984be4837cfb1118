package voicebroker.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;

/** The HTTPS variant: what a broker with default TLS checks must refuse, and what it may accept. */
class FakeOpenAiHttpsTest {

    @Test
    void selfSignedCertificateIsRefusedByDefaultTrust() throws Exception {
        try (FakeOpenAi fake = FakeOpenAi.https().start()) {
            assertTrue(fake.baseUrl().startsWith("https://127.0.0.1:"));
            HttpClient defaultTrust = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            assertThrows(SSLHandshakeException.class, () -> defaultTrust.send(mint(fake),
                    HttpResponse.BodyHandlers.ofString()));
            assertEquals(0, fake.requests().size(), "nothing, and so no key, got through");
            assertTrue(eventually(() -> fake.tlsHandshakeFailures() >= 1),
                    "the server side counts the refused handshake (a moment after the client gives up)");
        }
    }

    @Test
    void trustedCertificateForTheRightNameWorks() throws Exception {
        SelfSignedCert cert = SelfSignedCert.forNames("localhost", "127.0.0.1");
        try (FakeOpenAi fake = FakeOpenAi.https(cert).start()) {
            HttpClient trusting = HttpClient.newBuilder().sslContext(cert.clientContext()).build();
            HttpResponse<String> response = trusting.send(mint(fake), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, response.statusCode(), response.body());
            ContractValidator.assertValid("RealtimeCreateClientSecretResponse", response.body());
        }
    }

    @Test
    void trustedCertificateForTheWrongNameIsStillRefused() {
        SelfSignedCert wrongName = SelfSignedCert.forNames("wrong.example");
        try (FakeOpenAi fake = FakeOpenAi.https(wrongName).start()) {
            HttpClient trusting = HttpClient.newBuilder().sslContext(wrongName.clientContext()).build();
            assertThrows(SSLHandshakeException.class, () -> trusting.send(mint(fake),
                    HttpResponse.BodyHandlers.ofString()));
            assertEquals(0, fake.requests().size());
        }
    }

    @Test
    void certificateFilesAndJvmArgsAreUsableByAnotherProcess() {
        SelfSignedCert cert = SelfSignedCert.forNames("localhost", "127.0.0.1");
        assertTrue(Files.isRegularFile(cert.trustStore()));
        assertTrue(Files.isRegularFile(cert.keyStore()));
        assertTrue(cert.certificate().getSubjectX500Principal().getName().contains("CN=localhost"));
        assertTrue(cert.trustStoreJvmArgs().get(0).startsWith("-Djavax.net.ssl.trustStore="));
        assertTrue(cert == SelfSignedCert.forNames("localhost", "127.0.0.1"), "cached: keytool runs once");
    }

    private static boolean eventually(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(10);
        }
        return true;
    }

    private static HttpRequest mint(FakeOpenAi fake) {
        return HttpRequest.newBuilder(URI.create(fake.baseUrl() + "/realtime/client_secrets"))
                .header("Authorization", "Bearer " + FakeOpenAi.DEFAULT_KEY)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(FakeOpenAiTest.MINT_BODY)).build();
    }
}
