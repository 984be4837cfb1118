package voicebroker.testkit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Builds error bodies in OpenAI's shape: {"error":{"message","type","param","code"}}. */
final class OpenAiErrors {

    private static final ObjectMapper JSON = new ObjectMapper();

    private OpenAiErrors() {
    }

    static String body(String message, String type, String param, String code) {
        ObjectNode error = JSON.createObjectNode();
        error.put("message", message);
        error.put("type", type);
        error.put("param", param);
        error.put("code", code);
        ObjectNode root = JSON.createObjectNode();
        root.set("error", error);
        return root.toString();
    }

    static FakeResponse response(int status, String message, String type, String param, String code) {
        return FakeResponse.json(status, body(message, type, param, code));
    }

    /** A plausible body for a status chosen by a fault script, worded like the real API's. */
    static String typicalBody(int status) {
        switch (status) {
            case 400:
                return body("Invalid request (scripted by FakeOpenAi).", "invalid_request_error", null, null);
            case 401:
                return body("Incorrect API key provided.", "invalid_request_error", null, "invalid_api_key");
            case 403:
                return body("You are not allowed to sample from this model", "invalid_request_error", null, null);
            case 404:
                return body("Not found (scripted by FakeOpenAi).", "invalid_request_error", null, null);
            case 429:
                return body("Rate limit reached for requests. Please try again later.", "requests", null,
                        "rate_limit_exceeded");
            case 500:
                return body("The server had an error while processing your request. Sorry about that!",
                        "server_error", null, null);
            case 503:
                return body("The engine is currently overloaded, please try again later.", "server_error", null,
                        null);
            default:
                return body("Scripted status " + status + " from FakeOpenAi.", "server_error", null, null);
        }
    }
}
