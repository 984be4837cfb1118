package voicebroker.http;

import java.util.ArrayList;
import java.util.List;
import voicebroker.config.BrokerConfig;
import voicebroker.config.Secret;

/** The broker's own secrets (its token and, when it has one, the key), and the one test for a piece of them. */
final class Secrets {
    /** A piece this long of a secret is already a leak; shorter runs occur by chance in ordinary text. */
    private static final int PIECE = 8;
    private final List<Secret> secrets;

    Secrets(BrokerConfig config) {
        List<Secret> known = new ArrayList<>(List.of(config.token()));
        config.apiKey().ifPresent(known::add);
        this.secrets = List.copyOf(known);
    }

    /** True when the text holds a secret or any 8-character piece of one. */
    boolean appearIn(String text) {
        return secrets.stream().anyMatch(secret -> secret.appearsIn(text, PIECE));
    }
}
