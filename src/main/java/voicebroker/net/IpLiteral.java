package voicebroker.net;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;

/**
 * Parses an IP address written as a literal ({@code 127.0.0.1}, {@code ::1}, {@code [::1]}) and nothing else: a
 * host name here would let a DNS lookup decide where the broker listens or who a peer is.
 * {@code InetAddress.getByName} alone is not enough, because it falls back to a lookup for anything it does not
 * recognise as a literal (for example {@code 1.2.3.999}).
 */
public final class IpLiteral {

    private IpLiteral() {
    }

    /** The address, or empty when {@code text} is not an IPv4 or (optionally bracketed) IPv6 literal. */
    public static Optional<InetAddress> parse(String text) {
        if (text == null) {
            return Optional.empty();
        }
        String bare = text.startsWith("[") && text.endsWith("]") ? text.substring(1, text.length() - 1) : text;
        String[] ipv4 = bare.split("\\.", -1);
        if (isDottedQuad(ipv4)) {
            return ipv4Address(ipv4);
        }
        if (isIpv6Shaped(bare)) {
            try {
                // Brackets tell the JDK an IPv6 literal is expected, so a malformed one fails instead of being looked up.
                return Optional.of(InetAddress.getByName("[" + bare + "]"));
            } catch (UnknownHostException e) {
                return Optional.empty();
            }
        }
        return Optional.empty();
    }

    // The shapes below are loops rather than regular expressions: they run on every start, on the way to the
    // first answer, where compiling a pattern costs more than the whole check.

    /** {@code (\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})}, split at the dots. */
    private static boolean isDottedQuad(String[] parts) {
        if (parts.length != 4) {
            return false;
        }
        for (String part : parts) {
            if (!Ascii.digits(part, 1, 3)) {
                return false;
            }
        }
        return true;
    }

    /** {@code [0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*}: hex digits, colons and dots, with at least one colon. */
    private static boolean isIpv6Shaped(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!Ascii.hexDigit(c) && c != ':' && c != '.') {
                return false;
            }
        }
        return text.indexOf(':') >= 0;
    }

    private static Optional<InetAddress> ipv4Address(String[] parts) {
        byte[] bytes = new byte[4];
        for (int i = 0; i < 4; i++) {
            int octet = Integer.parseInt(parts[i]);
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
