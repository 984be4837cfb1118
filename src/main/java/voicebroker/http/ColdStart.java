package voicebroker.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.security.SecureRandom;
import voicebroker.json.Json;

/**
 * Start-up work that every broker needs but that need not wait in line: the shared mapper's first use (Jackson's default date
 * format loads the JDK's locale data, ~50-100 ms cold) and the JDK's security providers (for the token's
 * {@link SecureRandom}). Started first thing on a second thread, it runs while the main thread reads the
 * configuration; whichever thread gets there second finds the classes ready.
 */
public final class ColdStart {
    private ColdStart() {
    }

    public static void beginInBackground() {
        Thread thread = new Thread(ColdStart::warm, "cold-start");
        thread.setDaemon(true);
        thread.start();
    }

    private static void warm() {
        try {
            ObjectMapper mapper = Json.MAPPER;
            mapper.writeValueAsBytes(mapper.createObjectNode().put("ok", true));
            mapper.readTree("{\"ok\":true}");
            new SecureRandom().nextBytes(new byte[16]);
        } catch (Exception | LinkageError e) {
            // only a head start: the real use reports any problem
        }
    }
}
