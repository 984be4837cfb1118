package voicebroker.startvoice;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import voicebroker.json.JsonTree;
import voicebroker.net.IpLiteral;

/**
 * The protocol between the dev server plugin and its warm launcher ({@code voice launcher}): line-delimited
 * JSON on the launcher's stdin and stdout, one object per line, answers matched to requests by {@code id}
 * (they may come back in any order). The launcher first writes {@code {"ready":true,"pid":N}}. Each request:
 * <pre>{@code
 * {"id": 7,
 *  "config": {"allowedOrigins": [...], "allowedHosts": [...], "dashboardTokenHeader": str|null, "dashboardTokenFile": str|null},
 *  "request": {"method": "POST", "peer": "127.0.0.1", "peerPort": 51234, "localAddress": "127.0.0.1", "localPort": 5173,
 *              "headers": {"host": ["localhost:5173"], ...}, "body": "<raw string>", "bodyTooLarge": false}}
 * }</pre>
 * Its answer: {@code {"id": 7, "status": 200, "body": {...}, "headers": {...}}}. {@code config} is the plugin's
 * own trusted settings; {@code request} is what the browser sent, judged by {@link StartVoiceHandler}. A line
 * that breaks the protocol gets a 500 {@code launcher_failed} answer (with its id when it had one). {@code peerPort},
 * {@code localAddress} and {@code localPort} complete the request's socket, so the caller's OS user can be found;
 * an optional {@code connection} is the dev server's id for that connection, never reused, under which the launcher
 * keeps a "same user" verdict for the connection's next clicks.
 */
public final class LauncherProtocol {
    /** Far above any real request (whose body is at most 16 KiB), small enough to refuse garbage quickly. */
    public static final int MAX_INPUT_BYTES = 256 * 1024;

    /** The input was not what the protocol says; the message names the field. */
    public static final class ProtocolException extends Exception {
        ProtocolException(String message) {
            super(message, null, false, false);
        }
    }

    /** A parsed input: its id, the host's settings and the request to judge. */
    public record Input(long id, StartVoiceHandler.Settings settings, StartVoiceHandler.Request request) {
    }

    private LauncherProtocol() {
    }

    public static Input parse(byte[] input) throws ProtocolException {
        if (input.length > MAX_INPUT_BYTES) {
            throw new ProtocolException("the input is larger than " + MAX_INPUT_BYTES + " bytes");
        }
        JsonNode root;
        try {
            root = JsonTree.parse(input);
        } catch (IOException e) {
            throw new ProtocolException("the input is not one JSON object");
        }
        if (root == null || !root.isObject()) {
            throw new ProtocolException("the input is not one JSON object");
        }
        if (!root.path("id").canConvertToLong()) {
            throw new ProtocolException("id must be an integer");
        }
        return new Input(root.path("id").asLong(), settings(object(root, "config")), request(object(root, "request")));
    }

    /** The id of a line that may break the protocol otherwise, so its error answer still finds its caller. */
    public static Optional<Long> idOf(byte[] line) {
        try {
            JsonNode id = JsonTree.parse(line).path("id");
            return id.canConvertToLong() ? Optional.of(id.asLong()) : Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** The first line the launcher writes: it reads requests from now on. */
    public static byte[] ready(long pid) {
        return write(Map.of("ready", true, "pid", pid));
    }

    public static byte[] render(Optional<Long> id, StartVoiceHandler.Response response) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", id.orElse(null));
        out.put("status", response.status());
        out.put("body", response.body());
        out.put("headers", response.headers());
        return write(out);
    }

    private static byte[] write(Map<String, Object> line) {
        return JsonTree.bytes(line);
    }

    private static StartVoiceHandler.Settings settings(JsonNode config) throws ProtocolException {
        Optional<String> header = optionalText(config, "dashboardTokenHeader");
        Optional<String> file = optionalText(config, "dashboardTokenFile");
        try {
            return new StartVoiceHandler.Settings(texts(config, "allowedOrigins"), new LinkedHashSet<>(texts(config, "allowedHosts")),
                    header, file.map(Path::of));
        } catch (IllegalArgumentException e) {
            throw new ProtocolException("config: " + e.getMessage());
        }
    }

    private static StartVoiceHandler.Request request(JsonNode request) throws ProtocolException {
        String method = optionalText(request, "method").orElseThrow(() -> new ProtocolException("request.method is missing"));
        InetAddress peer = ipLiteral(optionalText(request, "peer").orElseThrow(() -> new ProtocolException("request.peer is missing")));
        JsonNode body = request.path("body");
        if (!body.isMissingNode() && !body.isNull() && !body.isTextual()) {
            throw new ProtocolException("request.body must be the raw body as a string");
        }
        return new StartVoiceHandler.Request(peer, method, headers(request.path("headers")),
                body.asText("").getBytes(StandardCharsets.UTF_8), request.path("bodyTooLarge").asBoolean(false), socket(request, peer));
    }

    /** Both ends of the request's connection, when the host passed them all. */
    private static Optional<StartCaller.Socket> socket(JsonNode request, InetAddress peer) throws ProtocolException {
        Optional<String> localAddress = optionalText(request, "localAddress");
        JsonNode peerPort = request.path("peerPort");
        JsonNode localPort = request.path("localPort");
        if (localAddress.isEmpty() || !peerPort.canConvertToInt() || !localPort.canConvertToInt()) {
            return Optional.empty();
        }
        if (peerPort.asInt() < 1 || peerPort.asInt() > 65535 || localPort.asInt() < 1 || localPort.asInt() > 65535) {
            throw new ProtocolException("request.peerPort and request.localPort must be TCP ports");
        }
        Optional<String> connection = optionalText(request, "connection");
        if (connection.isPresent() && (connection.get().isEmpty() || connection.get().length() > 128)) {
            throw new ProtocolException("request.connection must be the dev server's id for the connection, at most 128 characters");
        }
        return Optional.of(new StartCaller.Socket(new InetSocketAddress(peer, peerPort.asInt()),
                new InetSocketAddress(ipLiteral(localAddress.get()), localPort.asInt()), connection));
    }

    /** Header values as arrays (Node's shape); a single string is taken as one value. */
    private static Map<String, List<String>> headers(JsonNode headers) throws ProtocolException {
        if (!headers.isObject()) {
            throw new ProtocolException("request.headers must be an object of lowercase names to arrays of strings");
        }
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> field : headers.properties()) {
            List<String> values = new ArrayList<>();
            if (field.getValue().isTextual()) {
                values.add(field.getValue().asText());
            } else if (field.getValue().isArray()) {
                for (JsonNode value : field.getValue()) {
                    values.add(text(value, "request.headers." + field.getKey()));
                }
            } else {
                throw new ProtocolException("request.headers." + field.getKey() + " must be an array of strings");
            }
            out.put(field.getKey(), values);
        }
        return out;
    }

    /** Only IP literals: a host name here would mean a DNS lookup deciding who the peer is. */
    private static InetAddress ipLiteral(String peer) throws ProtocolException {
        Optional<InetAddress> address = IpLiteral.parse(peer);
        if (address.isEmpty()) {
            throw new ProtocolException("request.peer must be the socket's IP address literal (e.g. 127.0.0.1 or ::1)");
        }
        return address.get();
    }

    private static JsonNode object(JsonNode parent, String name) throws ProtocolException {
        JsonNode node = parent.path(name);
        if (!node.isObject()) {
            throw new ProtocolException("'" + name + "' must be an object");
        }
        return node;
    }

    private static List<String> texts(JsonNode parent, String name) throws ProtocolException {
        JsonNode node = parent.path(name);
        if (!node.isArray()) {
            throw new ProtocolException("config." + name + " must be an array of strings");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode value : node) {
            out.add(text(value, "config." + name));
        }
        return out;
    }

    private static Optional<String> optionalText(JsonNode parent, String name) throws ProtocolException {
        JsonNode node = parent.path(name);
        if (node.isMissingNode() || node.isNull()) {
            return Optional.empty();
        }
        return Optional.of(text(node, name)).filter(value -> !value.isBlank());
    }

    private static String text(JsonNode node, String where) throws ProtocolException {
        if (!node.isTextual()) {
            throw new ProtocolException(where + " must be a string");
        }
        return node.asText();
    }
}
