package voicebroker.doctor;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import voicebroker.config.ProxySettings;
import voicebroker.config.UpstreamBase;

/**
 * Can the upstream be reached, without minting and without sending the key? Resolves the base host, connects
 * (through HTTPS_PROXY with CONNECT when one applies) and completes a TLS handshake with the JVM's default
 * trust and hostname verification, exactly what the broker's HTTP client will need; then hangs up. A plain
 * http base on loopback gets a TCP connect only. The whole probe is bounded by one deadline.
 */
final class UpstreamProbe {
    static final Duration BUDGET = Duration.ofSeconds(4);
    private static final String NETWORK_FIX = "check the network, DNS and firewall; if you need a proxy, set HTTPS_PROXY; "
            + "check OPENAI_BASE_URL.";

    private final long deadline = System.nanoTime() + BUDGET.toNanos();

    private UpstreamProbe() {
    }

    static Check check(UpstreamBase base, ProxySettings proxySettings) {
        return new UpstreamProbe().probe(base.api(), proxySettings);
    }

    private Check probe(URI api, ProxySettings proxySettings) {
        boolean tls = "https".equals(api.getScheme());
        String host = api.getHost().startsWith("[") ? api.getHost().substring(1, api.getHost().length() - 1) : api.getHost();
        int port = api.getPort() != -1 ? api.getPort() : tls ? 443 : 80;
        Optional<URI> proxy = proxySettings.proxyFor(host);
        long start = System.nanoTime();
        try {
            String route = proxy.isPresent() ? "through proxy " + proxy.get().getHost() + ":" + proxyPort(proxy.get()) : directRoute(host);
            try (Socket socket = proxy.isPresent() ? connectThroughProxy(proxy.get(), host, port) : connect(host, port)) {
                if (!tls) {
                    return Check.ok("upstream", api + " accepts connections (TCP only: plain http on loopback); nothing was sent");
                }
                String protocol = handshake(socket, host, port);
                return Check.ok("upstream", host + ":" + port + " " + route + "; TLS handshake ok (" + protocol + ", certificate "
                        + "verified for " + host + ", " + elapsedMs(start) + " ms); nothing was sent");
            }
        } catch (UnknownHostException e) {
            return Check.fail("upstream", "the name " + host + " does not resolve.", NETWORK_FIX);
        } catch (TimeoutException | SocketTimeoutException e) {
            return Check.fail("upstream", host + ":" + port + " did not answer within " + BUDGET.toSeconds() + " s.", NETWORK_FIX);
        } catch (ConnectException e) {
            return Check.fail("upstream", host + ":" + port + " refused the connection (" + e.getMessage() + ").",
                    "start the server OPENAI_BASE_URL points at, or fix OPENAI_BASE_URL.");
        } catch (SSLException e) {
            return Check.fail("upstream", "the TLS handshake with " + host + ":" + port + " failed (" + e.getMessage() + ").",
                    "the certificate is not trusted or not for " + host + ": fix OPENAI_BASE_URL; behind a TLS-inspecting proxy, add "
                            + "its CA to the Java trust store (never turn verification off).");
        } catch (IOException e) {
            return Check.fail("upstream", "cannot reach " + host + ":" + port + " (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ").",
                    NETWORK_FIX);
        }
    }

    private String directRoute(String host) throws IOException, TimeoutException {
        InetAddress[] addresses = resolve(host);
        return "resolves to " + String.join(", ", Arrays.stream(addresses).limit(3).map(InetAddress::getHostAddress).toList());
    }

    private Socket connect(String host, int port) throws IOException, TimeoutException {
        IOException last = new ConnectException("no address");
        for (InetAddress address : resolve(host)) {
            Socket socket = new Socket();
            try {
                socket.connect(new InetSocketAddress(address, port), remainingMs());
                socket.setSoTimeout(remainingMs());
                return socket;
            } catch (IOException e) {
                socket.close();
                last = e;
            }
        }
        throw last;
    }

    /** An HTTP CONNECT tunnel; only the target host and port go to the proxy, never a header with the key. */
    private Socket connectThroughProxy(URI proxy, String host, int port) throws IOException, TimeoutException {
        Socket socket = connect(proxy.getHost(), proxyPort(proxy));
        try {
            OutputStream out = socket.getOutputStream();
            out.write(("CONNECT " + host + ":" + port + " HTTP/1.1\r\nHost: " + host + ":" + port + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String status = readHeaderSection(socket.getInputStream()).lines().findFirst().orElse("");
            if (!status.matches("HTTP/1\\.[01] 200.*")) {
                throw new IOException("the proxy refused CONNECT: " + status.replaceAll("[^\\x20-\\x7e]", "?"));
            }
            return socket;
        } catch (IOException e) {
            socket.close();
            throw e;
        }
    }

    private static String readHeaderSection(InputStream in) throws IOException {
        StringBuilder text = new StringBuilder();
        while (text.length() < 8192 && !text.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("the proxy closed the connection");
            }
            text.append((char) b);
        }
        return text.toString();
    }

    private String handshake(Socket plain, String host, int port) throws IOException {
        SSLSocket tls = (SSLSocket) ((SSLSocketFactory) SSLSocketFactory.getDefault()).createSocket(plain, host, port, true);
        SSLParameters parameters = tls.getSSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        tls.setSSLParameters(parameters);
        tls.setSoTimeout(remainingMs());
        tls.startHandshake();
        String protocol = tls.getSession().getProtocol();
        tls.close();
        return protocol;
    }

    /** Name resolution has no timeout of its own in the JDK, so it runs aside and is waited for with one. */
    private InetAddress[] resolve(String host) throws IOException, TimeoutException {
        CompletableFuture<InetAddress[]> lookup = CompletableFuture.supplyAsync(() -> {
            try {
                return InetAddress.getAllByName(host);
            } catch (UnknownHostException e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        });
        try {
            return lookup.get(remainingMs(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof UnknownHostException unknown ? unknown : new UnknownHostException(host);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TimeoutException("interrupted");
        }
    }

    private static int proxyPort(URI proxy) {
        return proxy.getPort() != -1 ? proxy.getPort() : "https".equals(proxy.getScheme()) ? 443 : 80;
    }

    private int remainingMs() throws SocketTimeoutException {
        long left = (deadline - System.nanoTime()) / 1_000_000;
        if (left <= 0) {
            throw new SocketTimeoutException("the " + BUDGET.toSeconds() + " s budget is spent");
        }
        return (int) left;
    }

    private static long elapsedMs(long start) {
        return (System.nanoTime() - start) / 1_000_000;
    }
}
