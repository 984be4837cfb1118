package voicebroker.http;

import com.sun.net.httpserver.HttpExchange;
import java.lang.reflect.Field;
import java.util.List;
import java.util.Optional;
import voicebroker.log.Log;

/**
 * The TCP connection an exchange of the JDK server came in on, as its {@code SocketChannel}: one object per accepted
 * socket, never reused, so it can key what is known about the connection's caller. The public API names no
 * connection, so this follows the server's own fields ({@code HttpExchangeImpl.impl → ExchangeImpl.connection →
 * HttpConnection.chan}), which needs that package open to this code: the jar's manifest says
 * {@code Add-Opens: jdk.httpserver/sun.net.httpserver} for {@code java -jar}. Without it, or on a JDK whose internals
 * differ, there is no connection and every request is judged from scratch: correct, only slower; that is logged once.
 */
final class JdkConnections {
    private static final String PACKAGE = "sun.net.httpserver.";
    private static final Optional<List<Field>> PATH = path();

    private JdkConnections() {
    }

    /** The exchange's socket, or empty when the server's internals are not open to this code. */
    static Optional<Object> socketOf(HttpExchange http) {
        if (PATH.isEmpty() || !PATH.get().get(0).getDeclaringClass().isInstance(http)) {
            return Optional.empty();
        }
        try {
            Object step = http;
            for (Field field : PATH.get()) {
                step = field.get(step);
                if (step == null) {
                    return Optional.empty();
                }
            }
            return Optional.of(step);
        } catch (IllegalAccessException e) {
            return Optional.empty();
        }
    }

    private static Optional<List<Field>> path() {
        try {
            return Optional.of(List.of(open("HttpExchangeImpl", "impl"), open("ExchangeImpl", "connection"),
                    open("HttpConnection", "chan")));
        } catch (ReflectiveOperationException | RuntimeException e) {
            Log.warn("the JDK server's connections are not open to the broker (" + e.getClass().getSimpleName()
                    + "): each request's OS user is read from the socket table, which is correct but slower; run the "
                    + "broker with java -jar voice-broker.jar (its manifest opens them) or add "
                    + "--add-opens jdk.httpserver/sun.net.httpserver=ALL-UNNAMED");
            return Optional.empty();
        }
    }

    private static Field open(String type, String name) throws ReflectiveOperationException {
        Field field = Class.forName(PACKAGE + type).getDeclaredField(name);
        field.setAccessible(true);
        return field;
    }
}
