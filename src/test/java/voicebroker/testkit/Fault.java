package voicebroker.testkit;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;

/**
 * Something {@link FakeOpenAi} does instead of (or on top of) its normal answer, so tests can play a hostile or
 * broken upstream. Immutable: factories make one, and the modifiers ({@link #header}, {@link #delayed},
 * {@link #trickled}, {@link #chunked}, {@link #resetAfter}) return a changed copy, so they compose:
 *
 * <pre>{@code
 * Fault.status(429).header("Retry-After", "2")            // canned 429 with an OpenAI-style body
 * Fault.html(500, "<html>oops</html>")                    // HTML error page
 * Fault.redirect(302, "https://elsewhere.example/v1/x")   // redirect to another host
 * Fault.delay(Duration.ofSeconds(5))                      // the normal answer, headers 5 s late
 * Fault.hang()                                            // read the request, never answer
 * Fault.trickle(1, Duration.ofMillis(200))                // the normal answer, one byte every 200 ms
 * Fault.resetMidResponse()                                // headers + half the body, then a TCP reset
 * Fault.invalidJson()                                     // 200 application/json that does not parse
 * Fault.hugeBody(50L << 20)                               // 200 with a 50 MB JSON-ish body, made on the fly
 * Fault.raw("HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n") // exact bytes, then close
 * }</pre>
 */
public final class Fault {

    /** Marker for "reset halfway through the body"; the real offset depends on the body being sent. */
    static final long RESET_HALFWAY = -2;
    static final long NO_RESET = -1;

    /** The canned answer, or null for "the fake's normal answer". */
    final FakeResponse replacement;
    final Duration headerDelay;
    final boolean hang;
    /** Written verbatim instead of any response, then the connection closes; null when unused. */
    final byte[] raw;
    /** Body bytes per write when trickling; 0 means no trickling. */
    final int trickleBytes;
    final Duration trickleDelay;
    final long resetAfterBytes;
    final boolean forceChunked;

    private Fault(FakeResponse replacement, Duration headerDelay, boolean hang, byte[] raw, int trickleBytes,
                  Duration trickleDelay, long resetAfterBytes, boolean forceChunked) {
        this.replacement = replacement;
        this.headerDelay = headerDelay;
        this.hang = hang;
        this.raw = raw;
        this.trickleBytes = trickleBytes;
        this.trickleDelay = trickleDelay;
        this.resetAfterBytes = resetAfterBytes;
        this.forceChunked = forceChunked;
    }

    private static Fault normalAnswer() {
        return new Fault(null, Duration.ZERO, false, null, 0, Duration.ZERO, NO_RESET, false);
    }

    private static Fault answer(FakeResponse response) {
        return normalAnswer().withReplacement(response);
    }

    // ---- factories -------------------------------------------------------------------------------------------

    /** Answers this status with a typical OpenAI error body for it (429 rate_limit_exceeded, 500 server_error...). */
    public static Fault status(int status) {
        return answer(FakeResponse.json(status, OpenAiErrors.typicalBody(status)));
    }

    /** Answers this status with this JSON body. */
    public static Fault status(int status, String jsonBody) {
        return answer(FakeResponse.json(status, jsonBody));
    }

    /** Answers this status with any content type and body, e.g. a proxy's text/plain page. */
    public static Fault body(int status, String contentType, String body) {
        return answer(FakeResponse.text(status, contentType, body));
    }

    /** Answers an HTML page, the way a load balancer in front of an API does when it fails. */
    public static Fault html(int status, String html) {
        return body(status, "text/html; charset=utf-8", html);
    }

    /** Answers a redirect; a broker must not follow it (it would carry the key elsewhere). */
    public static Fault redirect(int status, String location) {
        return answer(FakeResponse.empty(status).withHeader("Location", location));
    }

    /** Gives the normal answer, but only after this delay before the status line. */
    public static Fault delay(Duration delay) {
        return normalAnswer().delayed(delay);
    }

    /** Reads the request and never answers; the connection stays open until the fake closes. */
    public static Fault hang() {
        return new Fault(null, Duration.ZERO, true, null, 0, Duration.ZERO, NO_RESET, false);
    }

    /** Gives the normal answer, its body {@code bytes} at a time with {@code every} between writes. */
    public static Fault trickle(int bytes, Duration every) {
        return normalAnswer().trickled(bytes, every);
    }

    /** Gives the normal status and headers, then half the body, then resets the TCP connection. */
    public static Fault resetMidResponse() {
        return normalAnswer().resetAfter(RESET_HALFWAY);
    }

    /** Answers 200 application/json whose body stops in the middle of a value. */
    public static Fault invalidJson() {
        return answer(FakeResponse.json(200, "{\"value\":\"ek_truncated\",\"expires_at\":17"));
    }

    /** Answers 200 application/json with a body of {@code bytes} bytes, generated while it is written. */
    public static Fault hugeBody(long bytes) {
        byte[] prefix = "{\"value\":\"ek_".getBytes(StandardCharsets.US_ASCII);
        byte[] suffix = "\"}".getBytes(StandardCharsets.US_ASCII);
        long length = Math.max(bytes, prefix.length + suffix.length);
        return answer(FakeResponse.generated(200, "application/json", length, prefix, (byte) 'a', suffix));
    }

    /** Writes exactly these bytes (a malformed status line, a lying Content-Length...) and closes. */
    public static Fault raw(byte[] bytes) {
        return new Fault(null, Duration.ZERO, false, bytes.clone(), 0, Duration.ZERO, NO_RESET, false);
    }

    /** Writes exactly this text, as ISO-8859-1 bytes, and closes. */
    public static Fault raw(String text) {
        return raw(HttpWire.latin1(text));
    }

    /** Reads the request, then closes the connection without a byte of answer. */
    public static Fault closeWithoutResponse() {
        return raw(new byte[0]);
    }

    // ---- modifiers -------------------------------------------------------------------------------------------

    /** Adds a header to the canned answer (only for faults that have one, such as {@link #status(int)}). */
    public Fault header(String name, String value) {
        if (replacement == null) {
            throw new IllegalStateException("header() needs a canned answer, e.g. Fault.status(429).header(...)");
        }
        return withReplacement(replacement.withHeader(name, value));
    }

    /** Also waits this long before writing anything. */
    public Fault delayed(Duration delay) {
        return new Fault(replacement, Objects.requireNonNull(delay), hang, raw, trickleBytes, trickleDelay,
                resetAfterBytes, forceChunked);
    }

    /** Also writes the body {@code bytes} at a time with {@code every} between writes. */
    public Fault trickled(int bytes, Duration every) {
        if (bytes < 1) {
            throw new IllegalArgumentException("trickle at least 1 byte per write");
        }
        return new Fault(replacement, headerDelay, hang, raw, bytes, Objects.requireNonNull(every),
                resetAfterBytes, forceChunked);
    }

    /** Also resets the connection after this many body bytes. */
    public Fault resetAfter(long bodyBytes) {
        return new Fault(replacement, headerDelay, hang, raw, trickleBytes, trickleDelay, bodyBytes, forceChunked);
    }

    /** Sends the body with chunked encoding instead of Content-Length (so its size is unknown up front). */
    public Fault chunked() {
        return new Fault(replacement, headerDelay, hang, raw, trickleBytes, trickleDelay, resetAfterBytes, true);
    }

    private Fault withReplacement(FakeResponse response) {
        return new Fault(response, headerDelay, hang, raw, trickleBytes, trickleDelay, resetAfterBytes,
                forceChunked);
    }

    @Override
    public String toString() {
        if (hang) {
            return "Fault.hang";
        }
        if (raw != null) {
            return "Fault.raw(" + raw.length + " bytes)";
        }
        String answer = replacement == null ? "normal answer" : "status " + replacement.status;
        return "Fault(" + answer + ", delay " + headerDelay + (trickleBytes > 0 ? ", trickled" : "")
                + (resetAfterBytes != NO_RESET ? ", reset" : "") + (forceChunked ? ", chunked" : "") + ")";
    }
}
