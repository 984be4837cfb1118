package voicebroker.adversarial;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real network peer for the broker: a network namespace joined to this machine by a veth pair, with a /30
 * from a documentation range that nothing on the machine uses (read from {@code ip route} and {@code ip addr}
 * first) and, when the kernel allows, a /64 from 2001:db8::/32. Names are unique per run; {@link #close()}
 * deletes the namespace and the link, and a shutdown hook does it too if the test JVM dies first.
 * Needs root and iproute2 (CI runs as root; scripts/install-test-deps installs iproute2).
 */
final class Netns implements AutoCloseable {
    private static final List<String> V4_CANDIDATES = List.of("198.51.100.0", "198.51.100.4", "198.51.100.8",
            "203.0.113.0", "203.0.113.4", "203.0.113.8", "198.51.100.248", "203.0.113.248");
    private static final List<String> V6_CANDIDATES = List.of("2001:db8:766e:1", "2001:db8:766e:2", "2001:db8:766e:3");

    final String namespace;
    final String hostLink;
    final String peerLink;
    /** The machine's end of the pair: where the broker listens for the peer. */
    final String hostAddress;
    /** The peer's own address inside the namespace. */
    final String peerAddress;
    /** IPv6 addresses of the two ends, or null when IPv6 could not be set up. */
    volatile String hostAddress6;
    volatile String peerAddress6;
    private final Thread cleanup;
    private volatile boolean closed;

    private Netns(String namespace, String hostLink, String peerLink, String hostAddress, String peerAddress) {
        this.namespace = namespace;
        this.hostLink = hostLink;
        this.peerLink = peerLink;
        this.hostAddress = hostAddress;
        this.peerAddress = peerAddress;
        this.cleanup = new Thread(this::remove, "netns-cleanup");
    }

    static Netns create() {
        String suffix = HexFormat.of().formatHex(SecureRandom.getSeed(3));
        String namespace = "vbadv-" + suffix;
        String hostLink = "vbh" + suffix;
        String peerLink = "vbp" + suffix;
        String base = pickUnused(V4_CANDIDATES, existingV4(), Netns::overlapsV4);
        String host = offset(base, 1);
        String peer = offset(base, 2);
        Netns ns = new Netns(namespace, hostLink, peerLink, host, peer);
        Runtime.getRuntime().addShutdownHook(ns.cleanup);
        try {
            ip("netns", "add", namespace);
            ip("link", "add", hostLink, "type", "veth", "peer", "name", peerLink);
            ip("link", "set", peerLink, "netns", namespace);
            ip("addr", "add", host + "/30", "dev", hostLink);
            ip("link", "set", hostLink, "up");
            ip("netns", "exec", namespace, "ip", "link", "set", "lo", "up");
            ip("netns", "exec", namespace, "ip", "addr", "add", peer + "/30", "dev", peerLink);
            ip("netns", "exec", namespace, "ip", "link", "set", peerLink, "up");
        } catch (RuntimeException e) {
            ns.close();
            throw e;
        }
        try {
            String prefix = pickUnused(V6_CANDIDATES, existingV6(), (candidate, existing) -> existing.startsWith(candidate + ":"));
            ip("-6", "addr", "add", prefix + "::1/64", "dev", hostLink, "nodad");
            ip("netns", "exec", namespace, "ip", "-6", "addr", "add", prefix + "::2/64", "dev", peerLink, "nodad");
            ns.hostAddress6 = prefix + "::1";
            ns.peerAddress6 = prefix + "::2";
        } catch (RuntimeException noIpv6) {
            // IPv6 disabled on this machine: the IPv4 peer still proves the guard.
        }
        try {
            ns.awaitReachable();
        } catch (RuntimeException e) {
            ns.close();
            throw e;
        }
        return ns;
    }

    /** Runs a command inside the namespace; answers its exit code and combined output. */
    Result exec(List<String> command, int timeoutSeconds) {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", namespace));
        full.addAll(command);
        return run(full, timeoutSeconds);
    }

    /**
     * Sends {@code request} from inside the namespace to {@code address:port} over a plain TCP connection (bash's
     * /dev/tcp, so no extra tool is needed) and answers what came back; exit code 7 means the connection failed.
     */
    Result httpFromPeer(String address, int port, String request) {
        String script = "exec 3<>/dev/tcp/" + address + "/" + port + " || exit 7; printf '%s' \"$1\" >&3; timeout 10 cat <&3";
        return exec(List.of("bash", "-c", script, "peer", request), 20);
    }

    /** Waits until a TCP connection from the peer reaches a socket on the machine's end (links take a moment). */
    private void awaitReachable() {
        try (java.net.ServerSocket probe = new java.net.ServerSocket()) {
            probe.bind(new java.net.InetSocketAddress(java.net.InetAddress.getByName(hostAddress), 0));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            Result last;
            do {
                last = exec(List.of("bash", "-c", "exec 3<>/dev/tcp/" + hostAddress + "/" + probe.getLocalPort()), 5);
                if (last.exit() == 0) {
                    return;
                }
                Vitals.sleep(100);
            } while (System.nanoTime() < deadline);
            throw new IllegalStateException("the namespace " + namespace + " cannot reach " + hostAddress + ": " + last.output());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        remove();
        try {
            Runtime.getRuntime().removeShutdownHook(cleanup);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or has run
        }
    }

    private synchronized void remove() {
        if (closed) {
            return;
        }
        closed = true;
        run(List.of("ip", "netns", "del", namespace), 10);
        run(List.of("ip", "link", "del", hostLink), 10);
    }

    record Result(int exit, String output) {
    }

    private static void ip(String... args) {
        List<String> command = new ArrayList<>(List.of("ip"));
        command.addAll(List.of(args));
        Result result = run(command, 10);
        if (result.exit() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed (" + result.exit() + "): " + result.output()
                    + " — these tests need root and iproute2 (scripts/install-test-deps installs it)");
        }
    }

    static Result run(List<String> command, int timeoutSeconds) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
                return new Result(124, new String(process.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1));
            }
            return new Result(process.exitValue(), new String(process.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    // ---- choosing ranges nothing on the machine uses ----------------------------------------------------------

    private interface Overlap {
        boolean test(String candidate, String existing);
    }

    private static String pickUnused(List<String> candidates, List<String> existing, Overlap overlap) {
        for (String candidate : candidates) {
            if (existing.stream().noneMatch(e -> overlap.test(candidate, e))) {
                return candidate;
            }
        }
        throw new IllegalStateException("every candidate range is in use on this machine: " + existing);
    }

    /** Every IPv4 prefix the machine routes or owns, except the default route (which covers everything). */
    private static List<String> existingV4() {
        List<String> prefixes = new ArrayList<>();
        String text = run(List.of("ip", "-4", "route", "show", "table", "all"), 10).output()
                + run(List.of("ip", "-4", "addr", "show"), 10).output();
        Matcher m = Pattern.compile("(\\d+\\.\\d+\\.\\d+\\.\\d+)(/\\d+)?").matcher(text);
        while (m.find()) {
            prefixes.add(m.group(1) + (m.group(2) == null ? "/32" : m.group(2)));
        }
        return prefixes;
    }

    private static List<String> existingV6() {
        String text = run(List.of("ip", "-6", "route", "show", "table", "all"), 10).output()
                + run(List.of("ip", "-6", "addr", "show"), 10).output();
        List<String> addresses = new ArrayList<>();
        Matcher m = Pattern.compile("([0-9a-f]{1,4}(:[0-9a-f]{0,4}){2,7})").matcher(text);
        while (m.find()) {
            addresses.add(m.group(1));
        }
        return addresses;
    }

    /** Does the /30 starting at {@code candidate} overlap the prefix {@code existing} ("a.b.c.d/len")? */
    private static boolean overlapsV4(String candidate, String existing) {
        String[] parts = existing.split("/");
        int length = Integer.parseInt(parts[1]);
        if (length == 0) {
            return false;
        }
        long mask = length == 32 ? 0xffffffffL : (0xffffffffL << (32 - length)) & 0xffffffffL;
        long start = toLong(candidate);
        long end = start + 3;
        long net = toLong(parts[0]) & mask;
        long netEnd = net | (~mask & 0xffffffffL);
        return start <= netEnd && net <= end;
    }

    private static long toLong(String dotted) {
        long value = 0;
        for (String octet : dotted.split("\\.")) {
            value = (value << 8) | Integer.parseInt(octet);
        }
        return value;
    }

    private static String offset(String dotted, int add) {
        long value = toLong(dotted) + add;
        return ((value >> 24) & 255) + "." + ((value >> 16) & 255) + "." + ((value >> 8) & 255) + "." + (value & 255);
    }
}
