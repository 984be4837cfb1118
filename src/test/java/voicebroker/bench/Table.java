package voicebroker.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The harness's result: one row per figure, printed as a Markdown table, plus notes under it. */
final class Table {
    /** A verdict on a target: met, missed, or no target for this row. */
    enum Met {
        YES("yes"), NO("**no**"), NONE("—");

        final String text;

        Met(String text) {
            this.text = text;
        }
    }

    /**
     * One figure. {@code broker}, {@code reference} and {@code original} are numbers in {@code unit} (NaN when there
     * is none); {@code delta} is the broker's overhead or ratio to the reference as text; {@code target} as text.
     * The original is the same figure for the Bun sidecar the broker replaces, measured in the same run.
     */
    record Row(String section, String figure, double broker, double reference, String delta, double original,
               String target, Met met, String unit) {
        Row(String section, String figure, double broker, double reference, String delta, String target, Met met, String unit) {
            this(section, figure, broker, reference, delta, Double.NaN, target, met, unit);
        }

        String cell(double value) {
            if (Double.isNaN(value)) {
                return "—";
            }
            if (unit.isEmpty() && value == Math.rint(value)) {
                return Long.toString((long) value); // a count
            }
            return format(value) + (unit.isEmpty() ? "" : " " + unit);
        }
    }

    private final List<Row> rows = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();

    synchronized void add(Row row) {
        rows.add(row);
    }

    synchronized void note(String note) {
        notes.add(note);
    }

    synchronized List<Row> rows() {
        return List.copyOf(rows);
    }

    synchronized List<String> notes() {
        return List.copyOf(notes);
    }

    synchronized String markdown() {
        StringBuilder out = new StringBuilder();
        out.append("| figure | voice-broker | reference | overhead / ratio | original | voice-broker ÷ original | target | met? |\n");
        out.append("| --- | ---: | ---: | ---: | ---: | ---: | --- | --- |\n");
        for (Row row : rows) {
            out.append("| ").append(row.figure()).append(" | ").append(row.cell(row.broker())).append(" | ")
                    .append(row.cell(row.reference())).append(" | ").append(row.delta()).append(" | ")
                    .append(row.cell(row.original())).append(" | ").append(ratio(row.broker(), row.original())).append(" | ")
                    .append(row.target()).append(" | ").append(row.met().text).append(" |\n");
        }
        if (!notes.isEmpty()) {
            out.append('\n');
            for (String note : notes) {
                out.append("- ").append(note).append('\n');
            }
        }
        return out.toString();
    }

    /** Three significant figures or so: 0.123, 1.23, 12.3, 123, 1234. */
    static String format(double value) {
        double abs = Math.abs(value);
        String pattern = abs >= 100 ? "%.0f" : abs >= 10 ? "%.1f" : abs >= 1 ? "%.2f" : "%.3f";
        return String.format(Locale.ROOT, pattern, value);
    }

    /** "+0.123 ms" style overhead. */
    static String overhead(double brokerMs, double referenceMs) {
        if (Double.isNaN(brokerMs) || Double.isNaN(referenceMs)) {
            return "—";
        }
        double d = brokerMs - referenceMs;
        return (d >= 0 ? "+" : "") + format(d) + " ms";
    }

    /** "×1.23" style ratio. */
    static String ratio(double broker, double reference) {
        if (Double.isNaN(broker) || Double.isNaN(reference) || reference == 0) {
            return "—";
        }
        return "×" + format(broker / reference);
    }

    /** Met when {@code value ≤ factor × original}; no verdict when the original was not measured. */
    static Met atMostTimes(double value, double original, double factor) {
        return Double.isNaN(original) ? Met.NONE : atMost(value, factor * original);
    }

    static Met atMost(double value, double limit) {
        return Double.isNaN(value) ? Met.NO : value <= limit ? Met.YES : Met.NO;
    }
}
