package voicebroker.http;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.function.UnaryOperator;
import voicebroker.config.BrokerConfig;
import voicebroker.config.Secret;
import voicebroker.config.UpstreamBase;
import voicebroker.guard.PeerUser;
import voicebroker.guard.RequestFacts;
import voicebroker.guard.SameUserGuard;
import voicebroker.net.IpLiteral;
import voicebroker.pipeline.Connection;
import voicebroker.pipeline.Exchange;
import voicebroker.pipeline.Reply;
import voicebroker.server.Replies;
import voicebroker.testkit.Answer;
import voicebroker.testkit.FakeOpenAi;
import voicebroker.upstream.OpenAiClient;

/**
 * The broker's pipeline without a server: requests go in as {@link Exchange}s, answers come back as what the JDK
 * server would have written (status, headers with the Content-Type, body). When built against a {@link FakeOpenAi},
 * routes that spend the key call it over loopback as the real broker does.
 */
final class InProcessBroker {
    static final int PORT = 8099;
    static final String ORIGIN = "http://localhost:5173";
    static final String TOKEN = "in-process-broker-token-0123456789abcdefghijk";
    final BrokerConfig config;
    private final BrokerHandler handler;

    private InProcessBroker(BrokerConfig config, Optional<OpenAiClient> upstream, SameUserGuard sameUser) {
        this.config = config;
        this.handler = BrokerHandler.create(config, upstream, sameUser);
    }

    /** A broker holding the fake's key and pointed at it; {@code settings} may change anything else. */
    static InProcessBroker against(FakeOpenAi fake, UnaryOperator<BrokerConfig.Builder> settings) {
        return against(fake, settings, notJudging());
    }

    /** As {@link #against(FakeOpenAi, UnaryOperator)}, with {@code sameUser} judging each connection's OS user. */
    static InProcessBroker against(FakeOpenAi fake, UnaryOperator<BrokerConfig.Builder> settings, SameUserGuard sameUser) {
        Secret key = Secret.of(FakeOpenAi.DEFAULT_KEY);
        BrokerConfig config = settings.apply(base().apiKey(key).base(UpstreamBase.parse(fake.baseUrl(), Set.of()))).build();
        return new InProcessBroker(config, Optional.of(new OpenAiClient(config, key)), sameUser);
    }

    /**
     * A same-user guard that cannot judge, as on a platform without socket tables: in-process requests have no
     * kernel socket behind them. The rows about other OS users give the guard tables of their own.
     */
    static SameUserGuard notJudging() {
        return new SameUserGuard(new PeerUser(Path.of("no-socket-tables-here")), OptionalInt.empty());
    }

    static InProcessBroker against(FakeOpenAi fake) {
        return against(fake, settings -> settings);
    }

    /** A broker started without a key. */
    static InProcessBroker unkeyed() {
        return new InProcessBroker(base().build(), Optional.empty(), notJudging());
    }

    private static BrokerConfig.Builder base() {
        return BrokerConfig.builder().port(PORT).generatedToken(Secret.of(TOKEN)).runtimeDir(Path.of("in-process-runtime-unused"));
    }

    /** A request with the broker's own Host from a loopback peer and nothing else. */
    static Request request(String method, String target) {
        return new Request(method, target).header("Host", "localhost:" + PORT);
    }

    /** A request as the dashboard page sends it: allowed origin, the token, JSON. */
    static Request dashboard(String path, String json) {
        return request("POST", path).header("Origin", ORIGIN).header("Authorization", "Bearer " + TOKEN)
                .header("Content-Type", "application/json").body(json);
    }

    Answer send(Request request) {
        try {
            Reply reply = handler.proceed(request.exchange());
            Map<String, String> headers = new LinkedHashMap<>();
            reply.headers().forEach((name, value) -> headers.put(name.toLowerCase(Locale.ROOT), value));
            Replies.contentType(reply).ifPresent(type -> headers.put("content-type", type));
            String body = body(reply);
            return new Answer(reply.status(), name -> headers.get(name.toLowerCase(Locale.ROOT)), body,
                    request + " -> " + reply.status() + " " + headers + "\n" + body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String body(Reply reply) throws IOException {
        if (reply instanceof Reply.Empty) {
            return "";
        }
        if (reply instanceof Reply.Stream stream) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (var body = stream.body()) {
                Replies.copyThrough(body, out);
            }
            return out.toString(StandardCharsets.ISO_8859_1);
        }
        return new String(Replies.jsonBytes(reply), StandardCharsets.UTF_8);
    }

    /** One request: method, target, headers in order (repeats kept), body, and the TCP peer. */
    static final class Request {
        private final String method;
        private final String target;
        private final List<Map.Entry<String, String>> headers = new ArrayList<>();
        private byte[] body = new byte[0];
        private InetAddress peer = IpLiteral.parse("127.0.0.1").orElseThrow();
        private int peerPort = 40000;

        private Request(String method, String target) {
            this.method = method;
            this.target = target;
        }

        Request header(String name, String value) {
            headers.add(Map.entry(name, value));
            return this;
        }

        /** Replaces every value of a header; {@code null} removes it. */
        Request set(String name, String value) {
            headers.removeIf(header -> header.getKey().equalsIgnoreCase(name));
            return value == null ? this : header(name, value);
        }

        Request body(String text) {
            body = text.getBytes(StandardCharsets.UTF_8);
            return set("Content-Length", Integer.toString(body.length));
        }

        Request peer(String literal) {
            return peer(IpLiteral.parse(literal).orElseThrow());
        }

        Request peer(InetAddress address) {
            peer = address;
            return this;
        }

        /** The caller's port: with the peer address, what the kernel's socket tables know the caller by. */
        Request peerPort(int port) {
            peerPort = port;
            return this;
        }

        Exchange exchange() {
            Map<String, List<String>> grouped = new LinkedHashMap<>();
            headers.forEach(header -> grouped.computeIfAbsent(header.getKey(), k -> new ArrayList<>()).add(header.getValue()));
            Connection connection = new Connection(new InetSocketAddress(peer, peerPort),
                    new InetSocketAddress(IpLiteral.parse("127.0.0.1").orElseThrow(), PORT));
            return Exchange.of(new RequestFacts(peer, method, target, grouped), connection, new ByteArrayInputStream(body));
        }

        @Override
        public String toString() {
            return method + " " + target + " " + headers.stream().map(h -> h.getKey() + ": " + abbreviated(h.getValue())).toList();
        }

        private static String abbreviated(String value) {
            return value.length() > 60 ? value.substring(0, 60) + "...(" + value.length() + ")" : value;
        }
    }
}
