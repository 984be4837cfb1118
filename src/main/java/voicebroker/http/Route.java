package voicebroker.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Set;
import voicebroker.pipeline.Reply;

/**
 * One route: its path, the methods it takes, whether it spends the key (then it needs the token, a JSON
 * body, and a place in the call budget), and the only body fields it accepts.
 */
public record Route(String path, Set<String> methods, boolean spendsKey, Set<String> fields, Handler handler) {

    public Route {
        methods = Set.copyOf(methods);
        fields = Set.copyOf(fields);
    }

    /** Handles a request that passed every guard; {@code body} is the parsed JSON object (empty for GET). */
    @FunctionalInterface
    public interface Handler {
        Reply handle(ObjectNode body);
    }
}
