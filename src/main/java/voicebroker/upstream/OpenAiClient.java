package voicebroker.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;
import org.apache.hc.client5.http.classic.methods.HttpHead;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.classic.methods.HttpUriRequestBase;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.NoHttpResponseException;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import voicebroker.json.JsonTree;
import voicebroker.config.BrokerConfig;
import voicebroker.deadline.Deadlines;
import voicebroker.deadline.Deadlines.Deadline;
import voicebroker.config.Secret;
import voicebroker.config.UpstreamBase;

/**
 * The only code that sends the API key anywhere: to the one base fixed at start-up, through {@link UpstreamHttp}
 * (redirects never followed, default TLS verification, HTTPS_PROXY honoured, connections kept alive and reused),
 * with the whole exchange bounded by the total timeout ({@link Deadlines}) and every answer by a size cap.
 */
public final class OpenAiClient {
    private static final String USER_AGENT = "voice-broker/0.1";
    private static final ContentType JSON_TYPE = ContentType.create("application/json");
    /** What a speech answer may be; compiled with the first speech answer, not when the broker starts. */
    private static final class Audio {
        static final Pattern TYPE = Pattern.compile("audio/[a-z0-9.+-]+|application/octet-stream");
    }

    private final UpstreamBase base;
    /** The base's host, named on every call: the minimal client does not work it out from the request's URI. */
    private final HttpHost target;
    private final RequestConfig requestConfig;
    private final Secret key;
    /** Built on a background thread when {@link #warmUp} or the first call asks: never on the way to readiness. */
    private final CompletableFuture<CloseableHttpClient> http = new CompletableFuture<>();
    private final BrokerConfig config;
    private final Duration timeout;
    private final int maxJsonBytes;
    private final Deadlines deadlines;
    private final AtomicBoolean buildStarted = new AtomicBoolean();
    /** Each endpoint's URI, parsed once per path; callers pass constants, so the map stays a handful long. */
    private final ConcurrentHashMap<String, URI> endpoints = new ConcurrentHashMap<>();

    public OpenAiClient(BrokerConfig config, Secret key) {
        this.base = config.base();
        this.target = HttpHost.create(base.api());
        this.requestConfig = UpstreamHttp.requestConfig(config);
        this.key = key;
        this.timeout = config.limits().upstreamTimeout();
        this.maxJsonBytes = config.limits().maxUpstreamJsonBytes();
        this.deadlines = new Deadlines("upstream-deadlines", Math.max(10, Math.min(250, timeout.toMillis() / 20)));
        this.config = config;
    }

    private CompletableFuture<CloseableHttpClient> client() {
        if (!http.isDone() && buildStarted.compareAndSet(false, true)) {
            runOnDaemonThread(() -> {
                try {
                    http.complete(UpstreamHttp.build(config));
                } catch (RuntimeException | LinkageError e) {
                    http.completeExceptionally(e);
                }
            });
        }
        return http;
    }

    private static void runOnDaemonThread(Runnable task) {
        Thread thread = new Thread(task, "upstream-client-init");
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * POSTs the JSON {@code body} (UTF-8) to {@code path} under {@code /v1} and answers what {@code reader} takes
     * from the 2xx answer, which must be one JSON object ({@link JsonTree#OBJECT} keeps all of it).
     */
    public <T> T postJson(String path, byte[] body, JsonTree.ObjectReader<T> reader) {
        HttpPost post = post(path, body, "application/json");
        try (Deadline call = deadlines.start(post::cancel, timeout)) {
            byte[] answer;
            int status;
            Optional<String> retryAfter;
            try (ClassicHttpResponse response = execute(post, call)) {
                status = response.getCode();
                retryAfter = header(response, "retry-after");
                answer = readCapped(post, response.getEntity(), call);
            }
            if (status / 100 != 2) {
                throw UpstreamErrors.fromStatus(status, answer, retryAfter, key);
            }
            return readObject(answer, reader);
        } catch (IOException e) {
            throw UpstreamErrors.fromException(e);
        }
    }

    /** POSTs JSON and answers the audio stream, unread; the caller copies and closes it. */
    public AudioStream postForAudio(String path, JsonNode body) {
        HttpPost post = post(path, JsonTree.bytes(body), "audio/*, application/octet-stream");
        ClassicHttpResponse response;
        try (Deadline call = deadlines.start(post::cancel, timeout)) {
            response = execute(post, call);
            if (response.getCode() / 100 != 2) {
                try (response) {
                    byte[] errorBody = readCapped(post, response.getEntity(), call);
                    throw UpstreamErrors.fromStatus(response.getCode(), errorBody, header(response, "retry-after"), key);
                }
            }
        } catch (IOException e) {
            throw UpstreamErrors.fromException(e);
        }
        // From here on the socket timeout is the stall watchdog: a read that waits longer than the timeout fails.
        String type = header(response, "content-type").orElse("application/octet-stream").toLowerCase(Locale.ROOT);
        String mediaType = type.split(";")[0].strip();
        if (!Audio.TYPE.matcher(mediaType).matches() || response.getEntity() == null) {
            post.cancel();
            closeQuietly(response);
            throw UpstreamErrors.invalidAnswer("expected audio, got " + mediaType.replaceAll("[^a-z0-9/.+-]", "?"));
        }
        try {
            return new AudioStream(mediaType, response.getEntity().getContent(), timeout, () -> {
                post.cancel();
                closeQuietly(response);
            });
        } catch (IOException e) {
            post.cancel();
            closeQuietly(response);
            throw UpstreamErrors.fromException(e);
        }
    }

    /**
     * Opens the connection (TCP and TLS) before the first real call, so the first mint does not pay for it.
     * Any answer will do, an error included; a failure here is only logged by the caller.
     */
    public CompletableFuture<Integer> warmUp() {
        return client().thenApplyAsync(client -> {
            HttpHead probe = new HttpHead(base.endpoint("/models"));
            probe.setConfig(requestConfig);
            probe.setHeader("User-Agent", USER_AGENT);
            try (Deadline call = deadlines.start(probe::cancel, timeout); ClassicHttpResponse response = execute(probe, call)) {
                return response.getCode();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, OpenAiClient::runOnDaemonThread);
    }

    private HttpPost post(String path, byte[] bytes, String accept) {
        HttpPost post = new HttpPost(endpoints.computeIfAbsent(path, base::endpoint));
        post.setConfig(requestConfig);
        post.setHeader("Authorization", "Bearer " + key.reveal());
        post.setHeader("Accept", accept);
        post.setHeader("User-Agent", USER_AGENT);
        post.setEntity(new ByteArrayEntity(bytes, JSON_TYPE));
        return post;
    }

    /**
     * Sends the request on this thread; a call cancelled by its deadline is a timeout, whatever the socket said.
     * It is sent once more, at once, only when the upstream closed the connection without a byte of answer: that
     * is what a kept-alive connection the upstream has since closed looks like, and a blocking client only learns
     * it by using one. Nothing else is retried (no timeouts, no error answers, no 429 after sleeping on its
     * Retry-After). Repeating one of these calls is harmless: a secret or a speech the page never receives.
     */
    private ClassicHttpResponse execute(HttpUriRequestBase request, Deadline call) throws IOException {
        CloseableHttpClient http = client().join();
        try {
            try {
                return http.executeOpen(target, request, null);
            } catch (NoHttpResponseException closedWhileIdle) {
                request.removeHeaders("Content-Length"); // the client frames the body on each sending, never twice
                return http.executeOpen(target, request, null);
            }
        } catch (IOException e) {
            throw call.expired() ? timedOut() : e;
        }
    }

    /**
     * Reads a whole answer up to the cap. Past it, or past the deadline, the exchange is cancelled (the connection
     * is dropped, not drained), so a hostile 50 MB answer costs the cap and a closed connection.
     */
    private byte[] readCapped(HttpUriRequestBase request, HttpEntity entity, Deadline call) throws IOException {
        if (entity == null) {
            return new byte[0];
        }
        long declared = entity.getContentLength();
        if (declared > maxJsonBytes) {
            request.cancel();
            throw new UpstreamErrors.ResponseTooLarge(maxJsonBytes);
        }
        try (InputStream in = entity.getContent()) {
            // A declared length is read exactly (the client never passes more), into a buffer of that size.
            byte[] bytes = in.readNBytes(declared >= 0 ? (int) declared : maxJsonBytes + 1);
            if (bytes.length > maxJsonBytes) {
                request.cancel();
                throw new UpstreamErrors.ResponseTooLarge(maxJsonBytes);
            }
            return bytes;
        } catch (UpstreamErrors.ResponseTooLarge e) {
            throw e;
        } catch (IOException e) {
            request.cancel();
            throw call.expired() ? timedOut() : e;
        }
    }

    private static <T> T readObject(byte[] answer, JsonTree.ObjectReader<T> reader) {
        try {
            return JsonTree.readObject(answer, reader).orElseThrow(() -> UpstreamErrors.invalidAnswer("not a JSON object"));
        } catch (IOException e) {
            throw UpstreamErrors.invalidAnswer("not valid JSON");
        }
    }

    private static IOException timedOut() {
        return new IOException(new TimeoutException("the upstream call passed its total timeout"));
    }

    private static Optional<String> header(ClassicHttpResponse response, String name) {
        Header header = response.getFirstHeader(name);
        return header == null ? Optional.empty() : Optional.ofNullable(header.getValue());
    }

    private static void closeQuietly(ClassicHttpResponse response) {
        try {
            response.close();
        } catch (IOException e) {
            // nothing to do: the exchange is being abandoned
        }
    }
}
