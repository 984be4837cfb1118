package voicebroker.testkit;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * HTTP header fields exactly as they were on the wire: in order, duplicates kept, names looked up without regard
 * to case. Tests about forged or duplicated headers need all of that, which a {@code Map} would lose.
 * Thread-safe: instances are immutable.
 */
public final class HeaderList {

    private final List<Map.Entry<String, String>> fields;

    public HeaderList(List<Map.Entry<String, String>> fields) {
        this.fields = List.copyOf(fields);
    }

    /** The first value of that header, or null when absent. */
    public String first(String name) {
        for (Map.Entry<String, String> field : fields) {
            if (field.getKey().equalsIgnoreCase(name)) {
                return field.getValue();
            }
        }
        return null;
    }

    /** Every value of that header, in wire order (empty when absent). */
    public List<String> all(String name) {
        List<String> values = new ArrayList<>();
        for (Map.Entry<String, String> field : fields) {
            if (field.getKey().equalsIgnoreCase(name)) {
                values.add(field.getValue());
            }
        }
        return values;
    }

    public boolean has(String name) {
        return first(name) != null;
    }

    /** How many times the header appears; duplicates matter for Host and Content-Length checks. */
    public int count(String name) {
        return all(name).size();
    }

    /** Distinct names, lower-cased, in first-seen order. */
    public Set<String> names() {
        Set<String> names = new LinkedHashSet<>();
        for (Map.Entry<String, String> field : fields) {
            names.add(field.getKey().toLowerCase(Locale.ROOT));
        }
        return Collections.unmodifiableSet(names);
    }

    /** Every field as sent, including duplicates. */
    public List<Map.Entry<String, String>> fields() {
        return fields;
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder();
        for (Map.Entry<String, String> field : fields) {
            text.append(field.getKey()).append(": ").append(field.getValue()).append('\n');
        }
        return text.toString();
    }
}
