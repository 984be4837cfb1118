package voicebroker.guard;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * What the guards look at, independent of the HTTP server: the TCP peer, the method, the raw request target
 * and every header with all its values (so duplicates stay visible). The broker builds one from a JDK
 * {@code HttpExchange}; the launcher builds one from whatever its host server saw.
 */
public record RequestFacts(InetAddress peer, String method, String rawTarget, Map<String, List<String>> headers) {

    public RequestFacts {
        Map<String, List<String>> lower = new HashMap<>(headers.size() * 2);
        headers.forEach((name, values) -> lower.merge(name.toLowerCase(Locale.ROOT), List.copyOf(values), RequestFacts::joined));
        headers = Collections.unmodifiableMap(lower);
    }

    /** The values of two names that differ only in case, in arrival order. */
    private static List<String> joined(List<String> first, List<String> second) {
        List<String> all = new ArrayList<>(first);
        all.addAll(second);
        return List.copyOf(all);
    }

    /** All values of a header (case-insensitive name), in arrival order; empty when absent. */
    public List<String> all(String name) {
        return headers.getOrDefault(name.toLowerCase(Locale.ROOT), List.of());
    }

    /** The header's value when it appears exactly once. */
    public Optional<String> single(String name) {
        List<String> values = all(name);
        return values.size() == 1 ? Optional.of(values.get(0)) : Optional.empty();
    }

    /** The path of the target, without query; {@code null} for an absolute-form or malformed target. */
    public String path() {
        if (!rawTarget.startsWith("/")) {
            return null;
        }
        int query = rawTarget.indexOf('?');
        return query < 0 ? rawTarget : rawTarget.substring(0, query);
    }

    /** Total bytes of the header section as it arrived: names, values and the separators between them. */
    public int headerBytes() {
        int total = method.length() + rawTarget.length() + 12;
        for (Map.Entry<String, List<String>> header : headers.entrySet()) {
            for (String value : header.getValue()) {
                total += header.getKey().length() + value.length() + 4;
            }
        }
        return total;
    }
}
