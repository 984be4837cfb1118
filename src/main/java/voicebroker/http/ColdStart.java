package voicebroker.http;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Instant;
import org.apache.hc.core5.http.protocol.HttpDateGenerator;
import voicebroker.json.JsonTree;

/**
 * Start-up work that the broker's way to its first answer needs but that need not wait in line. Started first
 * thing on a second thread, it runs while the main thread reads the configuration; whichever thread gets there
 * second finds the classes loaded and the JDK's caches filled. Each line is something a later step pays for:
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
            JsonTree.bytes(JsonTree.parse("{\"ok\":true}"));            // the built-in templates, the runtime file and the health answer
            new SecureRandom().nextBytes(new byte[16]);                 // the token and the runtime file's salt: security providers
            MessageDigest.getInstance("SHA-256").digest(new byte[1]);   // the configuration's fingerprints
            Instant.now().toString();                                   // the runtime file's start time: the ISO formatters
            HttpDateGenerator.INSTANCE.getCurrentDate();                // every answer's Date header: the locale's day, month and zone names
        } catch (Exception | LinkageError e) {
            // only a head start: the real use reports any problem
        }
    }
}
