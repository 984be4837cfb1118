package voicebroker.error;

import java.util.LinkedHashMap;
import java.util.Map;
import voicebroker.log.Redactor;

/**
 * One refusal: a stable code, what happened, how to fix it, and any extra fields (for example the offending
 * {@code field}) or response headers (for example {@code Retry-After}). Immutable; build variants with the
 * {@code with…} methods.
 */
public record Refusal(ErrorCode code, int status, String message, String hint, Map<String, Object> fields,
                      Map<String, String> headers) {

    public Refusal {
        fields = Map.copyOf(fields);
        headers = Map.copyOf(headers);
    }

    public static Refusal of(ErrorCode code) {
        return new Refusal(code, code.status(), code.defaultMessage(), code.defaultHint(), Map.of(), Map.of());
    }

    public static Refusal of(ErrorCode code, String message) {
        return new Refusal(code, code.status(), message, code.defaultHint(), Map.of(), Map.of());
    }

    public static Refusal of(ErrorCode code, String message, String hint) {
        return new Refusal(code, code.status(), message, hint, Map.of(), Map.of());
    }

    /** An {@code invalid_request} naming the field at fault. */
    public static Refusal invalidField(String field, String message, String hint) {
        return of(ErrorCode.INVALID_REQUEST, message, hint).withField("field", field);
    }

    public Refusal withField(String name, Object value) {
        Map<String, Object> more = new LinkedHashMap<>(fields);
        more.put(name, value);
        return new Refusal(code, status, message, hint, more, headers);
    }

    public Refusal withHeader(String name, String value) {
        Map<String, String> more = new LinkedHashMap<>(headers);
        more.put(name, value);
        return new Refusal(code, status, message, hint, fields, more);
    }

    /** The same refusal with another HTTP status (e.g. {@code bad_host} is 400 when the header is malformed). */
    public Refusal withStatus(int newStatus) {
        return new Refusal(code, newStatus, message, hint, fields, headers);
    }

    /**
     * The JSON body: {@code error}, {@code message}, {@code hint}, then the extra fields. Text is redacted on the way
     * out: messages echo parts of the request (a method, an Origin), and a mangled request can carry the token or
     * the key into them (a folded header line joins the Authorization header to the Origin).
     */
    public Map<String, Object> body() {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", code.code());
        body.put("message", Redactor.redact(message));
        body.put("hint", Redactor.redact(hint));
        fields.forEach((name, value) -> body.put(name, value instanceof String text ? Redactor.redact(text) : value));
        return body;
    }

    /** Thrown where a refusal has to cross a call stack (body parsing, upstream calls). */
    public static class Exception extends RuntimeException {
        private final transient Refusal refusal;

        public Exception(Refusal refusal) {
            super(refusal.code().code() + ": " + refusal.message(), null, false, false);
            this.refusal = refusal;
        }

        public Refusal refusal() {
            return refusal;
        }
    }

    public Exception asException() {
        return new Exception(this);
    }
}
