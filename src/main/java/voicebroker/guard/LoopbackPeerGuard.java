package voicebroker.guard;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.Optional;
import voicebroker.error.ErrorCode;
import voicebroker.error.Refusal;

/**
 * Rule 1: only a TCP peer on this machine may call, whatever the bind address. Looks at the socket's peer
 * address only; {@code X-Forwarded-For}, {@code Forwarded} and {@code X-Real-IP} are never consulted.
 */
public final class LoopbackPeerGuard implements Guard {

    @Override
    public Optional<Refusal> check(RequestFacts request) {
        if (isLoopback(request.peer())) {
            return Optional.empty();
        }
        return Optional.of(Refusal.of(ErrorCode.NON_LOOPBACK));
    }

    /** Loopback, after unwrapping an IPv4-mapped IPv6 address ({@code ::ffff:127.0.0.1}). */
    public static boolean isLoopback(InetAddress peer) {
        return peer != null && unmapped(peer).isLoopbackAddress();
    }

    static InetAddress unmapped(InetAddress address) {
        byte[] raw = address.getAddress();
        boolean mapped = address instanceof Inet6Address && raw.length == 16
                && Arrays.equals(Arrays.copyOfRange(raw, 0, 12), new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff});
        if (!mapped) {
            return address;
        }
        try {
            return InetAddress.getByAddress(Arrays.copyOfRange(raw, 12, 16));
        } catch (UnknownHostException e) {
            return address;
        }
    }
}
