package voicebroker.guard;

import java.io.BufferedReader;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.atomic.LongAdder;

/**
 * Which OS user owns the other end of a loopback TCP connection. A header cannot prove who is calling; the
 * kernel can. On Linux, {@code /proc/net/tcp} and {@code /proc/net/tcp6} list every socket of this network
 * namespace with its local and remote address and its owner's uid; the caller's socket is the one whose local
 * end is our peer and whose remote end is us. Elsewhere (macOS, Windows) there is no such table and
 * {@link #supported()} is false.
 *
 * <p>Table format, per line: {@code sl local rem st tx:rx tr:when retrnsmt uid timeout inode …}. An address is
 * hex of 32-bit words in host byte order (little-endian on x86 and ARM: {@code 127.0.0.1} is {@code 0100007F}),
 * one word for IPv4, four for IPv6; a port is four hex digits.
 */
public final class PeerUser {
    private static final String TIME_WAIT = "06";
    private static final String LISTEN = "0A";
    private final Path procNet;
    /**
     * Where the last IPv4 caller was found: an IPv4 socket shows in {@code tcp}, a dual-stack one (most Java
     * clients) in {@code tcp6}. Each read walks the kernel's whole connection hash, so looking first where the
     * last one was saves a walk; both tables are still read before a caller counts as not found.
     */
    private volatile boolean lastIpv4CallerWasDualStack;
    private final LongAdder tableReads = new LongAdder();

    /** The tables of the running system. */
    public static PeerUser system() {
        return new PeerUser(Path.of("/proc/net"));
    }

    /** The tables under {@code procNet} (tests point this at fixtures). */
    public PeerUser(Path procNet) {
        this.procNet = procNet;
    }

    /** How many times a table was read: the cost this class exists to pay, counted so it can be seen. */
    public long tableReads() {
        return tableReads.sum();
    }

    /** True when this platform has the tables, so a connection's owner can be known. */
    public boolean supported() {
        return Files.isReadable(procNet.resolve("tcp")) || Files.isReadable(procNet.resolve("tcp6"));
    }

    /**
     * The uid owning the socket at {@code peer} that is connected to {@code local}, or empty when no live socket
     * matches (the caller already went away, or another namespace). An IPv6 peer is looked up in {@code tcp6}
     * only; an IPv4 peer in {@code tcp} and {@code tcp6} (a dual-stack client shows there as
     * {@code ::ffff:a.b.c.d}), first in the one where the last IPv4 caller was found, the other only if needed.
     */
    public OptionalInt uidOf(InetSocketAddress peer, InetSocketAddress local) {
        InetAddress peerAddress = LoopbackPeerGuard.unmapped(peer.getAddress());
        InetAddress localAddress = LoopbackPeerGuard.unmapped(local.getAddress());
        if (!(peerAddress instanceof Inet4Address && localAddress instanceof Inet4Address)) {
            return inTable(true, peerAddress, peer.getPort(), localAddress, local.getPort());
        }
        boolean dualStackFirst = lastIpv4CallerWasDualStack;
        OptionalInt uid = inTable(dualStackFirst, peerAddress, peer.getPort(), localAddress, local.getPort());
        if (uid.isEmpty()) {
            uid = inTable(!dualStackFirst, peerAddress, peer.getPort(), localAddress, local.getPort());
            if (uid.isPresent()) {
                lastIpv4CallerWasDualStack = !dualStackFirst;
            }
        }
        return uid;
    }

    /** Looks in {@code tcp6} (addresses as IPv6, IPv4 ones mapped) or in {@code tcp}. */
    private OptionalInt inTable(boolean tcp6, InetAddress peer, int peerPort, InetAddress local, int localPort) {
        return tcp6 ? find("tcp6", endpoint(as16(peer), peerPort), endpoint(as16(local), localPort))
                : find("tcp", endpoint(peer.getAddress(), peerPort), endpoint(local.getAddress(), localPort));
    }

    private OptionalInt find(String table, String wantedLocal, String wantedRemote) {
        tableReads.increment();
        try (BufferedReader lines = Files.newBufferedReader(procNet.resolve(table), StandardCharsets.US_ASCII)) {
            String line;
            while ((line = lines.readLine()) != null) {
                if (line.contains(wantedLocal)) {
                    Optional<Integer> uid = ownerIfMatches(fields(line), wantedLocal, wantedRemote);
                    if (uid.isPresent()) {
                        return OptionalInt.of(uid.get());
                    }
                }
            }
        } catch (NoSuchFileException e) {
            return OptionalInt.empty();
        } catch (IOException e) {
            return OptionalInt.empty();
        }
        return OptionalInt.empty();
    }

    /**
     * {@code line.trim().split("\\s+")} without a regular expression: the first request of a freshly started broker
     * reads a table, and compiling the pattern then cost more than reading it.
     */
    static String[] fields(String line) {
        String text = line.trim();
        List<String> fields = new ArrayList<>(12);
        int start = 0;
        for (int i = 0; i < text.length(); i++) {
            if (isWhitespace(text.charAt(i))) {
                fields.add(text.substring(start, i));
                while (i + 1 < text.length() && isWhitespace(text.charAt(i + 1))) {
                    i++;
                }
                start = i + 1;
            }
        }
        fields.add(text.substring(start));
        return fields.toArray(new String[0]);
    }

    /** {@code \s}: space, tab, line feed, vertical tab, form feed, carriage return. */
    private static boolean isWhitespace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == 0x0B || c == '\f' || c == '\r';
    }

    /** A TIME_WAIT entry keeps the addresses of a closed socket but not its owner (uid 0); it never counts. */
    private static Optional<Integer> ownerIfMatches(String[] fields, String wantedLocal, String wantedRemote) {
        if (fields.length < 8 || !fields[1].equals(wantedLocal) || !fields[2].equals(wantedRemote)
                || fields[3].equals(TIME_WAIT) || fields[3].equals(LISTEN)) {
            return Optional.empty();
        }
        try {
            return Optional.of(Integer.parseInt(fields[7]));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** {@code ADDR:PORT} as the kernel prints it: each 32-bit word of the address in host byte order. */
    static String endpoint(byte[] address, int port) {
        byte[] printed = address.clone();
        if (ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN) {
            for (int word = 0; word < printed.length; word += 4) {
                for (int i = 0; i < 2; i++) {
                    byte swap = printed[word + i];
                    printed[word + i] = printed[word + 3 - i];
                    printed[word + 3 - i] = swap;
                }
            }
        }
        HexFormat hex = HexFormat.of().withUpperCase();
        return hex.formatHex(printed) + ":" + hex.toHexDigits((short) port); // String.format would set up a Formatter on a connection's first request
    }

    /** An address as IPv6 bytes, IPv4 as {@code ::ffff:a.b.c.d}. */
    private static byte[] as16(InetAddress address) {
        byte[] raw = address.getAddress();
        if (raw.length == 16) {
            return raw;
        }
        byte[] mapped = new byte[16];
        mapped[10] = (byte) 0xff;
        mapped[11] = (byte) 0xff;
        System.arraycopy(raw, 0, mapped, 12, 4);
        return mapped;
    }
}
