package voicebroker.guard;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import voicebroker.error.ErrorCode;
import voicebroker.error.Refusal;
import voicebroker.log.Redactor;

/**
 * Rule 4: state-changing routes take {@code application/json} only, judged on the parsed media type (not a
 * substring), so {@code text/plain} form posts and other "simple" cross-site requests never reach a route.
 * A {@code charset} parameter is allowed when it says UTF-8.
 */
public final class JsonContentTypeGuard implements Guard {

    @Override
    public Optional<Refusal> check(RequestFacts request) {
        List<String> values = request.all("content-type");
        if (values.size() == 1 && isJson(values.get(0))) {
            return Optional.empty();
        }
        return Optional.of(Refusal.of(ErrorCode.UNSUPPORTED_MEDIA_TYPE, values.isEmpty()
                ? "The request has no Content-Type; it must be application/json."
                : "The Content-Type must be application/json, not '" + Redactor.printable(String.join(", ", values), 100) + "'."));
    }

    static boolean isJson(String contentType) {
        String[] parts = contentType.split(";");
        if (!parts[0].strip().toLowerCase(Locale.ROOT).equals("application/json")) {
            return false;
        }
        for (int i = 1; i < parts.length; i++) {
            String param = parts[i].strip().toLowerCase(Locale.ROOT).replace("\"", "");
            if (!param.isEmpty() && !param.equals("charset=utf-8")) {
                return false;
            }
        }
        return true;
    }
}
