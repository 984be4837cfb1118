package voicebroker.http;

import java.security.SecureRandom;
import voicebroker.json.JsonTree;

/**
 * Start-up work that every broker needs but that need not wait in line: the JDK's security providers (for the
 * token's {@link SecureRandom}) and Jackson's streaming parser and generator (the runtime file, the health answer).
 * Started first thing on a second thread, it runs while the main thread reads the configuration; whichever thread
 * gets there second finds the classes ready.
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
            new SecureRandom().nextBytes(new byte[16]);
            JsonTree.bytes(JsonTree.parse("{\"ok\":true}"));
        } catch (Exception | LinkageError e) {
            // only a head start: the real use reports any problem
        }
    }
}
