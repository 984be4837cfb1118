package voicebroker.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import voicebroker.testkit.Answer;
import voicebroker.testkit.BrokerProcess;
import voicebroker.testkit.Refusals;

/** A test's view of a running broker: requests the way a page or script sends them, and the runtime file. */
final class Client {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String ORIGIN = "http://localhost:5173";
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final BrokerProcess broker;

    Client(BrokerProcess broker) {
        this.broker = broker;
    }

    /** The broker's token, read from its runtime file the way the launcher does. */
    String token() {
        return runtimeFile().path("token").asText();
    }

    JsonNode runtimeFile() {
        Path file = runtimeFilePath();
        try {
            return JSON.readTree(Files.readString(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Path runtimeFilePath() {
        return broker.runtimeDir().resolve("broker-" + broker.port() + ".json");
    }

    HttpResponse<String> get(String path, String origin) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(broker.url() + path)).timeout(Duration.ofSeconds(30)).GET();
        if (origin != null) {
            request.header("Origin", origin);
        }
        return send(request.build());
    }

    /** A POST as the dashboard sends it: allowed origin, bearer token, JSON. */
    HttpResponse<String> post(String path, String json) {
        return post(path, json, ORIGIN, token(), "application/json");
    }

    HttpResponse<String> post(String path, String body, String origin, String token, String contentType) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(broker.url() + path)).timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (origin != null) {
            request.header("Origin", origin);
        }
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        return send(request.build());
    }

    HttpResponse<String> send(HttpRequest request) {
        try {
            return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static JsonNode json(HttpResponse<String> response) {
        try {
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + response.body(), e);
        }
    }

    /** The strict refusal check every layer shares (see {@link Refusals#assertRefusal}); answers the body. */
    static JsonNode assertRefusal(HttpResponse<String> response, int status, String code) {
        return Refusals.assertRefusal(Answer.of(response), status, code);
    }
}
