package voicebroker.startvoice;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import voicebroker.config.Secret;
import voicebroker.error.ErrorCode;
import voicebroker.error.Refusal;
import voicebroker.guard.FailureThrottle;
import voicebroker.guard.TokenGuard;

/**
 * The dev server's per-boot dashboard token, when it has one: the broker's {@link TokenGuard} (one header, constant
 * time, wrong guesses throttled), with the token read from its file on each request so a new boot's token is seen.
 * A file that cannot be read starts nothing.
 */
final class DashboardToken {

    private DashboardToken() {
    }

    static TokenGuard guard(String header, Path file) {
        String hint = "Send the dev server's dashboard token in the '" + header + "' header (the dashboard page gets it from its dev server).";
        return TokenGuard.inHeader(header, () -> read(file), new FailureThrottle(10, Duration.ofSeconds(10)),
                new TokenGuard.Wording("dashboard token", "the dev server's dashboard token", Optional.of(hint)));
    }

    private static Secret read(Path file) {
        try {
            String token = Files.readString(file, StandardCharsets.UTF_8).strip();
            if (!token.isEmpty()) {
                return Secret.of(token);
            }
        } catch (IOException e) {
            // answered below, as for an empty file
        }
        throw Refusal.of(ErrorCode.INTERNAL, "The dev server's dashboard token file cannot be read.",
                "Check the dashboardTokenFile setting of the dev server's launcher plugin.").withStatus(500).asException();
    }
}
