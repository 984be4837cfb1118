package voicebroker.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A self-signed TLS certificate made at run time with the running JDK's own {@code keytool}, for the HTTPS
 * variant of {@link FakeOpenAi}. Tests use it two ways: untrusted, to prove the broker refuses a self-signed
 * upstream; and trusted (via {@link #trustStoreJvmArgs()}), with names that do not match the URL, to prove the
 * broker still checks the host name. Certificates are cached per name list: keytool takes about a second.
 */
public final class SelfSignedCert {

    /** Test-only store password; the key protects nothing of value. */
    public static final String PASSWORD = "fake-openai";

    private static final String ALIAS = "fake-openai";
    private static final Map<List<String>, SelfSignedCert> CACHE = new ConcurrentHashMap<>();

    private final List<String> names;
    private final Path keyStore;
    private final Path trustStore;

    private SelfSignedCert(List<String> names, Path keyStore, Path trustStore) {
        this.names = names;
        this.keyStore = keyStore;
        this.trustStore = trustStore;
    }

    /**
     * A certificate whose subject alternative names are exactly these host names or IP literals
     * (the first one is also the CN), e.g. {@code forNames("localhost", "127.0.0.1")} or
     * {@code forNames("wrong.example")}.
     */
    public static SelfSignedCert forNames(String... names) {
        if (names.length == 0) {
            throw new IllegalArgumentException("a certificate needs at least one name");
        }
        return CACHE.computeIfAbsent(List.of(names), SelfSignedCert::generate);
    }

    public List<String> names() {
        return names;
    }

    /** PKCS12 file holding the private key and certificate (password {@link #PASSWORD}). */
    public Path keyStore() {
        return keyStore;
    }

    /** PKCS12 file holding only the certificate, as a trust anchor (password {@link #PASSWORD}). */
    public Path trustStore() {
        return trustStore;
    }

    public X509Certificate certificate() {
        try {
            return (X509Certificate) load(keyStore).getCertificate(ALIAS);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** What a server needs to present this certificate. */
    public SSLContext serverContext() {
        try {
            KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(load(keyStore), PASSWORD.toCharArray());
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys.getKeyManagers(), null, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A client context that trusts this certificate and nothing else (host names are still checked). */
    public SSLContext clientContext() {
        try {
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(load(trustStore));
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** JVM options that make another Java process (the broker) trust this certificate instead of the default CAs. */
    public List<String> trustStoreJvmArgs() {
        return List.of(
                "-Djavax.net.ssl.trustStore=" + trustStore,
                "-Djavax.net.ssl.trustStorePassword=" + PASSWORD,
                "-Djavax.net.ssl.trustStoreType=PKCS12");
    }

    // ---- generation ------------------------------------------------------------------------------------------

    private static SelfSignedCert generate(List<String> names) {
        try {
            Path dir = Files.createTempDirectory("fake-openai-tls");
            Path keyStore = dir.resolve("key.p12");
            Path trustStore = dir.resolve("trust.p12");
            // deleteOnExit runs in reverse order of registration: files first, then their directory.
            dir.toFile().deleteOnExit();
            keyStore.toFile().deleteOnExit();
            trustStore.toFile().deleteOnExit();
            runKeytool(names, keyStore);
            writeTrustStore(keyStore, trustStore);
            return new SelfSignedCert(names, keyStore, trustStore);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void runKeytool(List<String> names, Path keyStore) throws IOException {
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        List<String> command = new ArrayList<>(List.of(keytool, "-genkeypair", "-alias", ALIAS,
                "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "7",
                "-dname", "CN=" + names.get(0), "-ext", "SAN=" + subjectAltNames(names),
                "-keystore", keyStore.toString(), "-storetype", "PKCS12",
                "-storepass", PASSWORD, "-keypass", PASSWORD));
        Process keytoolProcess = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(keytoolProcess.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int exit = waitFor(keytoolProcess);
        if (exit != 0) {
            throw new IOException("keytool failed with exit code " + exit + ": " + output);
        }
    }

    private static int waitFor(Process process) throws IOException {
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException("keytool did not finish within 60 s");
            }
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for keytool", e);
        }
    }

    /** "dns:localhost,ip:127.0.0.1": IP literals need the ip: kind, or clients will not match them. */
    private static String subjectAltNames(List<String> names) {
        List<String> entries = new ArrayList<>();
        for (String name : names) {
            boolean ipLiteral = name.matches("[0-9.]+") || name.contains(":");
            entries.add((ipLiteral ? "ip:" : "dns:") + name);
        }
        return String.join(",", entries);
    }

    private static void writeTrustStore(Path keyStore, Path trustStore) throws IOException, GeneralSecurityException {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry(ALIAS, load(keyStore).getCertificate(ALIAS));
        try (OutputStream out = Files.newOutputStream(trustStore)) {
            trust.store(out, PASSWORD.toCharArray());
        }
    }

    private static KeyStore load(Path file) throws GeneralSecurityException {
        try (InputStream in = Files.newInputStream(file)) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(in, PASSWORD.toCharArray());
            return store;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }
}
