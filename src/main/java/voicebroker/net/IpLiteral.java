package voicebroker.net;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Parses an IP address written as a literal ({@code 127.0.0.1}, {@code ::1}, {@code [::1]}) and nothing else: a
 * host name here would let a DNS lookup decide where the broker listens or who a peer is.
 * {@code InetAddress.getByName} alone is not enough, because it falls back to a lookup for anything it does not
 * recognise as a literal (for example {@code 1.2.3.999}).
 */
public final class IpLiteral {
    private static final Pattern IPV4 = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");

    private IpLiteral() {
    }

    /** The address, or empty when {@code text} is not an IPv4 or (optionally bracketed) IPv6 literal. */
    public static Optional<InetAddress> parse(String text) {
        if (text == null) {
            return Optional.empty();
        }
        String bare = text.startsWith("[") && text.endsWith("]") ? text.substring(1, text.length() - 1) : text;
        var ipv4 = IPV4.matcher(bare);
        if (ipv4.matches()) {
            return ipv4Address(ipv4);
        }
        if (IPV6.matcher(bare).matches()) {
            try {
                // Brackets tell the JDK an IPv6 literal is expected, so a malformed one fails instead of being looked up.
                return Optional.of(InetAddress.getByName("[" + bare + "]"));
            } catch (UnknownHostException e) {
                return Optional.empty();
            }
        }
        return Optional.empty();
    }

    private static Optional<InetAddress> ipv4Address(java.util.regex.Matcher parts) {
        byte[] bytes = new byte[4];
        for (int i = 0; i < 4; i++) {
            int octet = Integer.parseInt(parts.group(i + 1));
            if (octet > 255) {
                return Optional.empty();
            }
            bytes[i] = (byte) octet;
        }
        try {
            return Optional.of(InetAddress.getByAddress(bytes));
        } catch (UnknownHostException e) {
            throw new IllegalStateException("four bytes are always an address", e);
        }
    }
}
