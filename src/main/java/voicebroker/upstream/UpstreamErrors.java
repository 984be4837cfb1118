package voicebroker.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import javax.net.ssl.SSLException;
import org.apache.hc.client5.http.ConnectTimeoutException;
import voicebroker.json.JsonTree;
import voicebroker.config.Secret;
import voicebroker.error.ErrorCode;
import voicebroker.error.Refusal;
import voicebroker.log.Redactor;

/**
 * Translates what the upstream answered into one of the broker's own refusals (defect 5 of the old sidecar:
 * it passed error bodies through verbatim). The upstream's message is never forwarded, because it can name
 * the organisation or echo part of the key; only its {@code param} and {@code code}, redacted, go on.
 */
final class UpstreamErrors {
    private static final Set<String> MODEL_CODES = Set.of("model_not_found", "model_not_available",
            "unsupported_model", "invalid_model");
    private static final int MAX_RETRY_AFTER = 3600;
    /** The shortest piece of the key that is never passed on. */
    private static final int KEY_PIECE = 8;

    private UpstreamErrors() {
    }

    static UpstreamFailure fromStatus(int status, byte[] body, Optional<String> retryAfter, Secret key) {
        JsonNode error = parseError(body);
        String code = withoutKey(text(error, "code"), key);
        String param = withoutKey(text(error, "param"), key);
        if (status >= 300 && status < 400) {
            return failure(Refusal.of(ErrorCode.UPSTREAM_REDIRECT, "The upstream answered " + status + " (a redirect), which is never followed."), false);
        }
        if (status == 401 || status == 403) {
            return failure(withUpstreamFields(Refusal.of(ErrorCode.UPSTREAM_AUTH, "The upstream refused the API key (HTTP " + status + ")."), status, code, param), false);
        }
        if (status == 429) {
            long seconds = retryAfterSeconds(retryAfter);
            return failure(withUpstreamFields(Refusal.of(ErrorCode.UPSTREAM_RATE_LIMITED), status, code, param)
                    .withHeader("Retry-After", Long.toString(seconds)), false);
        }
        if (status >= 400 && status < 500) {
            boolean modelUnavailable = isModelUnavailable(status, code, param);
            Refusal refusal = Refusal.of(ErrorCode.UPSTREAM_REJECTED, (modelUnavailable
                    ? "No configured model is available to this key (HTTP " + status + ")."
                    : "The upstream rejected the request (HTTP " + status + ").") + naming(param));
            return failure(withUpstreamFields(refusal, status, code, param), modelUnavailable);
        }
        return failure(withUpstreamFields(Refusal.of(ErrorCode.UPSTREAM_UNAVAILABLE, "The upstream failed (HTTP " + status + ")."), status, code, param), false);
    }

    static UpstreamFailure fromException(Throwable cause) {
        voicebroker.log.Log.warn("upstream call failed: " + cause);
        Throwable root = cause;
        // Stop at the exceptions that say what happened, not at whatever low-level cause they wrap.
        while (root.getCause() != null && !(root instanceof InterruptedIOException) && !(root instanceof SSLException)
                && !(root instanceof ConnectException)) {
            root = root.getCause();
        }
        if (root instanceof ConnectTimeoutException) {
            return failure(Refusal.of(ErrorCode.UPSTREAM_TIMEOUT, "Connecting to the upstream timed out."), false);
        }
        if (root instanceof InterruptedIOException || root instanceof java.util.concurrent.TimeoutException) {
            return failure(Refusal.of(ErrorCode.UPSTREAM_TIMEOUT), false);
        }
        if (root instanceof SSLException) {
            return failure(Refusal.of(ErrorCode.UPSTREAM_UNAVAILABLE, "The upstream's TLS certificate or handshake was refused.",
                    "The certificate must be valid for the host in OPENAI_BASE_URL; the broker never disables TLS checks."), false);
        }
        if (root instanceof ConnectException && unresolved(root)) {
            return failure(Refusal.of(ErrorCode.UPSTREAM_UNAVAILABLE, "The upstream's host name could not be resolved (DNS).",
                    "Check the host in OPENAI_BASE_URL for typos, and this machine's DNS or network; behind a proxy, set HTTPS_PROXY."), false);
        }
        if (root instanceof ConnectException) {
            return failure(Refusal.of(ErrorCode.UPSTREAM_UNAVAILABLE, "The upstream refused the connection."), false);
        }
        if (root instanceof ResponseTooLarge) {
            return failure(Refusal.of(ErrorCode.UPSTREAM_UNAVAILABLE, "The upstream's answer was larger than the broker accepts."), false);
        }
        if (root instanceof IOException) {
            return failure(Refusal.of(ErrorCode.UPSTREAM_UNAVAILABLE, "The connection to the upstream failed ("
                    + root.getClass().getSimpleName() + ")."), false);
        }
        return failure(Refusal.of(ErrorCode.UPSTREAM_UNAVAILABLE), false);
    }

    /** The JDK client reports an unknown host as a ConnectException around an UnresolvedAddressException. */
    private static boolean unresolved(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof java.nio.channels.UnresolvedAddressException || t instanceof java.net.UnknownHostException) {
                return true;
            }
        }
        return false;
    }

    /** The upstream's {@code param} in the words as well: a terminal prints the message, not the extra fields. */
    private static String naming(String param) {
        return param == null ? "" : " It named '" + Redactor.printable(param, 80) + "'.";
    }

    static UpstreamFailure invalidAnswer(String what) {
        return failure(Refusal.of(ErrorCode.UPSTREAM_UNAVAILABLE, "The upstream's answer was not usable: " + what + "."), false);
    }

    /** The model is unavailable: a 404, or a 4xx whose code or param names the model. Never auth or limits. */
    static boolean isModelUnavailable(int status, String code, String param) {
        if (status == 404) {
            return true;
        }
        boolean codeSaysModel = code != null && MODEL_CODES.contains(code.toLowerCase(Locale.ROOT));
        boolean paramIsModel = param != null && (param.equals("model") || param.endsWith(".model"));
        return (status == 400 || status == 422) && (codeSaysModel || paramIsModel);
    }

    private static Refusal withUpstreamFields(Refusal refusal, int status, String code, String param) {
        Refusal out = refusal.withField("upstream_status", status);
        if (code != null) {
            out = out.withField("upstream_code", Redactor.printable(code, 80));
        }
        if (param != null) {
            out = out.withField("param", Redactor.printable(param, 80));
        }
        return out;
    }

    /** Null when the value carries the key or any {@value #KEY_PIECE}-character piece of it. */
    private static String withoutKey(String value, Secret key) {
        return key.appearsIn(value, KEY_PIECE) ? null : value;
    }

    private static long retryAfterSeconds(Optional<String> header) {
        try {
            long seconds = Long.parseLong(header.orElse("").strip());
            return Math.max(1, Math.min(MAX_RETRY_AFTER, seconds));
        } catch (NumberFormatException e) {
            return 5;
        }
    }

    private static JsonNode parseError(byte[] body) {
        try {
            JsonNode root = JsonTree.parse(body);
            return root != null && root.path("error").isObject() ? root.get("error") : JsonTree.objectNode();
        } catch (IOException e) {
            return JsonTree.objectNode();
        }
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value != null && value.isTextual() ? value.asText() : null;
    }

    private static UpstreamFailure failure(Refusal refusal, boolean modelUnavailable) {
        return new UpstreamFailure(refusal, modelUnavailable);
    }

    /** The upstream sent more than the broker reads. */
    static final class ResponseTooLarge extends IOException {
        ResponseTooLarge(long limit) {
            super("upstream response exceeded " + limit + " bytes");
        }
    }
}
