package voicebroker.guard;

import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import voicebroker.error.ErrorCode;
import voicebroker.error.Refusal;
import voicebroker.log.Redactor;

/**
 * Rule 2, checked before anything else about the request: exactly one {@code Host}, equal to an allowed
 * {@code name:port}, and an origin-form request target. This is what defeats DNS rebinding: a page that
 * rebinds its own name onto 127.0.0.1 still sends its own name in {@code Host}.
 */
public final class HostGuard implements Guard {
    /** A syntactically sane Host value: a name or bracketed IPv6 literal with an optional port. */
    private static final Pattern WELL_FORMED = Pattern.compile("(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9._~%!$&'()*+;=-]+)(:\\d{1,5})?");
    private final Set<String> allowed;

    public HostGuard(Set<String> allowedHosts) {
        this.allowed = Set.copyOf(allowedHosts.stream().map(h -> h.toLowerCase(Locale.ROOT)).toList());
    }

    /** The broker's own names on its port: {@code localhost}, {@code 127.0.0.1} and {@code [::1]}. */
    public static HostGuard forLoopbackPort(int port) {
        return new HostGuard(loopbackHosts(port));
    }

    public static Set<String> loopbackHosts(int port) {
        return Set.of("localhost:" + port, "127.0.0.1:" + port, "[::1]:" + port);
    }

    @Override
    public Optional<Refusal> check(RequestFacts request) {
        if (request.path() == null) {
            return malformed("The request target must be a path such as /api/health (absolute-form targets are refused).");
        }
        var hosts = request.all("host");
        if (hosts.isEmpty()) {
            return malformed("The request has no Host header.");
        }
        if (hosts.size() > 1) {
            return malformed("The request has more than one Host header.");
        }
        String host = hosts.get(0).strip();
        if (!WELL_FORMED.matcher(host).matches()) {
            return malformed("The Host header is malformed.");
        }
        if (!allowed.contains(host.toLowerCase(Locale.ROOT))) {
            return Optional.of(Refusal.of(ErrorCode.BAD_HOST, "The Host header '" + Redactor.printable(host, 100)
                    + "' does not name this server.", "Call it as one of " + String.join(", ", allowed.stream().sorted().toList())
                    + "; other names are refused to stop DNS rebinding."));
        }
        return Optional.empty();
    }

    private static Optional<Refusal> malformed(String message) {
        return Optional.of(Refusal.of(ErrorCode.BAD_HOST, message).withStatus(400));
    }
}
