package voicebroker.launcher;

import java.net.http.HttpClient;
import java.time.Duration;

/** The one HTTP client the launcher uses to talk to a broker on loopback: no proxy, no redirects. */
final class BrokerHttp {
    private static HttpClient client;

    private BrokerHttp() {
    }

    static synchronized HttpClient client() {
        if (client == null) {
            client = HttpClient.newBuilder().proxy(HttpClient.Builder.NO_PROXY).followRedirects(HttpClient.Redirect.NEVER)
                    .connectTimeout(Duration.ofSeconds(2)).version(HttpClient.Version.HTTP_1_1).build();
        }
        return client;
    }
}
