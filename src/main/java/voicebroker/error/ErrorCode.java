package voicebroker.error;

/**
 * Every refusal the broker can answer with. The {@link #code()} strings and statuses are a stable public
 * contract: pages and scripts branch on them, and the README documents each one with its cause and fix.
 */
public enum ErrorCode {
    NON_LOOPBACK(403, "Only processes on this machine may call the broker.",
            "Call the broker from this machine through 127.0.0.1 or [::1]; it never serves the network."),
    FOREIGN_USER(403, "The connection comes from another user of this machine.",
            "Only the OS user who runs the broker (and the dev server) may call it: run the dashboard's browser or script as that user."),
    DASHBOARD_TOKEN_REQUIRED(403, "This platform cannot tell which OS user is calling, so /__start_voice needs a dashboard token.",
            "Set dashboardTokenHeader and dashboardTokenFile in the dev server plugin's options (the page sends the token); on Linux the OS user is checked instead."),
    BAD_HOST(403, "The Host header does not name this broker.",
            "Call http://localhost:PORT, http://127.0.0.1:PORT or http://[::1]:PORT exactly; other names are refused (DNS rebinding)."),
    FORBIDDEN_ORIGIN(403, "This page's origin may not call the broker.",
            "Add the page's exact origin (scheme://host:port) to VOICE_ALLOWED_ORIGINS and restart the broker; with the Vite plugin, pass it in allowedOrigins."),
    MISSING_TOKEN(401, "No broker token was sent.",
            "Send the token from the broker's runtime file (or /__start_voice) as 'Authorization: Bearer <token>'."),
    BAD_TOKEN(401, "The broker token is wrong.",
            "Use the token of the running broker: './voice status --json' shows where it is; restart the page after a broker restart."),
    TOO_MANY_FAILURES(429, "Too many wrong tokens in a short time.",
            "Wait a few seconds and retry with the right token; the right token keeps working."),
    NO_KEY(503, "The broker has no OpenAI API key.",
            "Set OPENAI_API_KEY in the dashboard's .env (the Vite plugin's next start picks it up) or in the broker's environment or .env, then restart the broker ('voice stop', then 'voice start')."),
    KEY_FROM_BROWSER(400, "API keys are never accepted from a request.",
            "Remove the key field from the request; the key lives only in the broker's environment (OPENAI_API_KEY or .env)."),
    BAD_REQUEST(400, "The request is not well-formed HTTP/1.1.",
            "Send a standard HTTP/1.1 request: a path as its target, 'Name: value' header lines, and the body's length declared once (Content-Length, or Transfer-Encoding: chunked)."),
    BAD_JSON(400, "The request body is not a JSON object.",
            "Send a JSON object, e.g. {\"voice\":\"marin\"}."),
    INVALID_REQUEST(400, "The request has a field the broker does not accept.",
            "Fix the named field; see the README for the fields each route takes."),
    UNSUPPORTED_MEDIA_TYPE(415, "The request must be sent as JSON.",
            "Send 'Content-Type: application/json'."),
    BODY_TOO_LARGE(413, "The request body is too large.",
            "Keep request bodies under 16 KiB."),
    HEADERS_TOO_LARGE(431, "The request headers are too large.",
            "Keep the header section under 8 KiB (clear large cookies for this host)."),
    NOT_FOUND(404, "There is no such route.",
            "The broker serves GET /api/health, POST /api/session, POST /api/sample and POST /api/tts."),
    METHOD_NOT_ALLOWED(405, "This route does not take that method.",
            "Use the method the README lists for this route."),
    RATE_LIMITED(429, "Too many upstream calls in a short time.",
            "Wait for the number of seconds in Retry-After, then retry."),
    UPSTREAM_AUTH(502, "The upstream refused the broker's API key.",
            "Check OPENAI_API_KEY (and the project's access to the Realtime API), then restart the broker."),
    UPSTREAM_REJECTED(502, "The upstream rejected the request.",
            "Check the session template, model (VOICE_MODELS) and voice; 'param' names the field when the upstream said."),
    UPSTREAM_RATE_LIMITED(503, "The upstream is rate limiting this key.",
            "Wait for the number of seconds in Retry-After, then retry; check the account's limits."),
    UPSTREAM_UNAVAILABLE(502, "The upstream could not be reached or answered with an error.",
            "Check OPENAI_BASE_URL, the network and the provider's status, then retry."),
    UPSTREAM_TIMEOUT(504, "The upstream did not answer in time.",
            "Retry; if it persists, check the network, proxy settings (HTTPS_PROXY) and the provider's status."),
    UPSTREAM_REDIRECT(502, "The upstream answered with a redirect, which the broker never follows.",
            "Point OPENAI_BASE_URL at the final API endpoint (redirects are refused so the key never travels elsewhere)."),
    INTERNAL(500, "The broker failed unexpectedly.",
            "Retry; if it persists, report it with the broker's log (it never contains the key).");

    private final int status;
    private final String message;
    private final String hint;

    ErrorCode(int status, String message, String hint) {
        this.status = status;
        this.message = message;
        this.hint = hint;
    }

    /** The machine code sent as {@code "error"}: the enum name in lower case. */
    public String code() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    public int status() {
        return status;
    }

    public String defaultMessage() {
        return message;
    }

    public String defaultHint() {
        return hint;
    }
}
