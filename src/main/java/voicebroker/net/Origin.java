package voicebroker.net;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Optional;

/**
 * A web origin written exactly as a browser sends it in the {@code Origin} header: {@code scheme://host[:port]}.
 * Origins are compared as whole strings (rule 3 of the threat model), so an allowed origin that a browser would
 * spell differently could never match and would only mislead. Parsing therefore accepts only the browser's own
 * spelling (the WHATWG URL serialisation) and names what is wrong with anything else:
 * <ul>
 *   <li>{@code http} or {@code https} in lower case; nothing after the port (no path, trailing slash, query,
 *       fragment) and no user info;</li>
 *   <li>a lower-case host name (labels of letters, digits, {@code _} and inner {@code -}; no empty label, no
 *       trailing dot: browsers accept those, but here they are typos or aliases of another origin), a dotted-decimal
 *       IPv4 address, or a bracketed IPv6 address in its shortest lower-case form ({@code [::1]});</li>
 *   <li>a port from 1 to 65535 without leading zeros, and never the scheme's default port spelled out:
 *       browsers omit {@code :80} for http and {@code :443} for https, so {@code http://localhost:80} is refused
 *       and {@code http://localhost} is the way to write it.</li>
 * </ul>
 * The opaque origin {@code null} (sandboxed frames, {@code file:} pages) names no one and is never an origin here.
 * The shared table {@code src/test/resources/origins.json} holds the cases; the Vite plugin is tested on the same
 * table, so both languages agree on what an origin is.
 */
public final class Origin {

    private final String scheme;
    private final String host;
    private final int port;
    private final String serialized;

    private Origin(String scheme, String host, int port) {
        this.scheme = scheme;
        this.host = host;
        this.port = port;
        this.serialized = scheme + "://" + host + (port == defaultPort(scheme) ? "" : ":" + port);
    }

    /** Why a text is not an origin, in words that fit after "'x' is not a valid origin: ". */
    public static final class Invalid extends IllegalArgumentException {
        private final String reason;

        Invalid(String text, String reason) {
            super("'" + text + "' is not an origin: " + reason);
            this.reason = reason;
        }

        public String reason() {
            return reason;
        }
    }

    /** The origin {@code text} names, written exactly as a browser would send it; otherwise {@link Invalid}. */
    public static Origin parse(String text) {
        if (text == null || text.isEmpty()) {
            throw new Invalid(String.valueOf(text), "it is empty");
        }
        if (text.equals("null")) {
            throw new Invalid(text, "'null' is what sandboxed frames and file pages send; it names no one");
        }
        if (Ascii.hasInvisible(text)) {
            throw new Invalid(text, "it holds spaces, control or non-ASCII characters, which a browser never sends in an origin");
        }
        int separator = text.indexOf("://");
        if (separator < 0 || !isScheme(text.substring(0, separator))) {
            throw new Invalid(text, "it is not scheme://host[:port]");
        }
        String scheme = scheme(text, text.substring(0, separator));
        String authority = text.substring(separator + 3);
        int end = firstOf(authority, "/?#");
        if (end >= 0) {
            String bare = text.substring(0, separator + 3 + end);
            throw new Invalid(text, authority.substring(end).matches("/+")
                    ? "browsers send no trailing slash, so write it as " + bare
                    : "an origin ends after the port (no path, query or fragment), so write it as " + bare);
        }
        if (authority.contains("@")) {
            throw new Invalid(text, "an origin has no user name or password");
        }
        int portStart = authority.startsWith("[") ? authority.indexOf("]:") + 1 : authority.indexOf(':');
        String host = portStart > 0 ? authority.substring(0, portStart) : authority;
        int port = portStart > 0 ? port(text, scheme, authority.substring(portStart + 1)) : defaultPort(scheme);
        return new Origin(scheme, host(text, host), port);
    }

    /** Like {@link #parse} but answers empty instead of throwing, for checks that only need yes or no. */
    public static Optional<Origin> tryParse(String text) {
        try {
            return Optional.of(parse(text));
        } catch (Invalid e) {
            return Optional.empty();
        }
    }

    private static int firstOf(String text, String characters) {
        for (int i = 0; i < text.length(); i++) {
            if (characters.indexOf(text.charAt(i)) >= 0) {
                return i;
            }
        }
        return -1;
    }

    private static String scheme(String text, String scheme) {
        if (scheme.equals("http") || scheme.equals("https")) {
            return scheme;
        }
        if (scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https")) {
            throw new Invalid(text, "browsers send it in lower case, so write it as " + text.toLowerCase(java.util.Locale.ROOT));
        }
        throw new Invalid(text, "only http and https pages can call the broker");
    }

    private static int port(String text, String scheme, String digits) {
        if (!Ascii.digits(digits, 1, 5) || digits.charAt(0) == '0' || Integer.parseInt(digits) > 65535) {
            throw new Invalid(text, "the port must be a number from 1 to 65535 without leading zeros");
        }
        int port = Integer.parseInt(digits);
        if (port == defaultPort(scheme)) {
            throw new Invalid(text, "browsers leave the default port out of Origin, so write it as "
                    + text.substring(0, text.length() - digits.length() - 1));
        }
        return port;
    }

    private static String host(String text, String host) {
        if (host.startsWith("[")) {
            return ipv6Host(text, host);
        }
        if (!host.equals(host.toLowerCase(java.util.Locale.ROOT))) {
            throw new Invalid(text, "browsers send it in lower case, so write it as " + text.toLowerCase(java.util.Locale.ROOT));
        }
        String[] labels = host.split("\\.", -1);
        if (isNumericLabel(labels[labels.length - 1])) {
            // Browsers read a name whose last part is a number as an IPv4 address and send it in dotted decimal.
            Optional<InetAddress> address = IpLiteral.parse(host); // no lambdas: origins are parsed on the way to readiness
            boolean dotted = address.isPresent() && address.get().getHostAddress().equals(host);
            if (!dotted) {
                throw new Invalid(text, "an IPv4 address must be written in dotted decimal, e.g. 127.0.0.1");
            }
            return host;
        }
        if (host.length() > 253 || !allDnsLabels(labels)) {
            throw new Invalid(text, "the host is not a host name (letters, digits, underscores and inner hyphens, separated by single dots, no trailing dot)");
        }
        return host;
    }

    // The shapes below are loops rather than regular expressions: origins are parsed on every start, on the way
    // to the first answer, where compiling a pattern costs more than the whole check.

    /** {@code [A-Za-z][A-Za-z0-9+.-]*} */
    private static boolean isScheme(String scheme) {
        if (scheme.isEmpty() || !Ascii.letterOrDigit(scheme.charAt(0)) || Ascii.digit(scheme.charAt(0))) {
            return false;
        }
        for (int i = 1; i < scheme.length(); i++) {
            char c = scheme.charAt(i);
            if (!Ascii.letterOrDigit(c) && c != '+' && c != '.' && c != '-') {
                return false;
            }
        }
        return true;
    }

    /** {@code [0-9]+|0[xX][0-9A-Fa-f]*}: a label a browser reads as a number. */
    private static boolean isNumericLabel(String label) {
        if (Ascii.digits(label, 1, Integer.MAX_VALUE)) {
            return true;
        }
        if (label.length() < 2 || label.charAt(0) != '0' || (label.charAt(1) != 'x' && label.charAt(1) != 'X')) {
            return false;
        }
        for (int i = 2; i < label.length(); i++) {
            if (!Ascii.hexDigit(label.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    /** Every label {@code [a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?}: 1 to 63 characters, no hyphen at either end. */
    private static boolean allDnsLabels(String[] labels) {
        for (String label : labels) {
            if (label.isEmpty() || label.length() > 63 || label.charAt(0) == '-' || label.charAt(label.length() - 1) == '-') {
                return false;
            }
            for (int i = 0; i < label.length(); i++) {
                char c = label.charAt(i);
                if (!Ascii.lowerOrDigit(c) && c != '_' && c != '-') {
                    return false;
                }
            }
        }
        return true;
    }

    private static String ipv6Host(String text, String host) {
        Optional<InetAddress> address = host.endsWith("]") ? IpLiteral.parse(host) : Optional.empty();
        String shortest = address.isPresent() && address.get() instanceof Inet6Address
                ? "[" + shortestIpv6(address.get().getAddress()) + "]" : null;
        if (!host.equals(shortest)) {
            throw new Invalid(text, "an IPv6 address must be in brackets, in its shortest lower-case form, e.g. [::1]"
                    + (shortest == null ? "" : " (here " + shortest + ")"));
        }
        return host;
    }

    /** RFC 5952 text, as browsers serialise it: lower-case hex, no leading zeros, the first longest zero run as "::". */
    static String shortestIpv6(byte[] bytes) {
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = ((bytes[2 * i] & 0xff) << 8) | (bytes[2 * i + 1] & 0xff);
        }
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8; ) {
            int end = i;
            while (end < 8 && groups[end] == 0) {
                end++;
            }
            if (end - i > bestLength) {
                bestStart = i;
                bestLength = end - i;
            }
            i = Math.max(end, i + 1);
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                out.append(i == 0 ? "::" : ":");
                i += bestLength - 1;
                continue;
            }
            out.append(Integer.toHexString(groups[i])).append(i < 7 ? ":" : "");
        }
        return out.toString();
    }

    private static int defaultPort(String scheme) {
        return scheme.equals("https") ? 443 : 80;
    }

    public String scheme() {
        return scheme;
    }

    /** The host as it appears in the origin: a DNS name, a dotted IPv4 address, or a bracketed IPv6 address. */
    public String host() {
        return host;
    }

    /** The port, the scheme's default when the origin has none. */
    public int port() {
        return port;
    }

    /** The {@code Host} header value a browser sends to this origin's server: {@code host[:port]}. */
    public String hostHeader() {
        return serialized.substring(scheme.length() + 3);
    }

    /** True when {@code headerValue} is exactly this origin, as an {@code Origin} header would carry it. */
    public boolean matches(String headerValue) {
        return serialized.equals(headerValue);
    }

    /** The origin exactly as a browser sends it. */
    @Override
    public String toString() {
        return serialized;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Origin origin && origin.serialized.equals(serialized);
    }

    @Override
    public int hashCode() {
        return serialized.hashCode();
    }
}
