package voicebroker.bench;

import java.util.Arrays;

/** Percentiles of a set of samples (nanoseconds or any long), by sorting: exact, and enough for 10^5 samples. */
final class Stats {
    private final long[] sorted;

    private Stats(long[] sorted) {
        this.sorted = sorted;
    }

    /** The first {@code count} samples; negative ones (failed calls) are left out. */
    static Stats of(long[] samples, int count) {
        long[] copy = Arrays.stream(samples, 0, count).filter(x -> x >= 0).toArray();
        Arrays.sort(copy);
        return new Stats(copy);
    }

    static Stats of(long[] samples) {
        return of(samples, samples.length);
    }

    static Stats of(java.util.List<Long> samples) {
        return of(samples.stream().mapToLong(Long::longValue).toArray());
    }

    int count() {
        return sorted.length;
    }

    /** The nearest-rank percentile ({@code p} in 0..100); NaN when there are no samples. */
    double percentile(double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
    }

    /** The median: the mean of the two middle samples for an even count. */
    double median() {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int mid = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2.0;
    }

    double p50Ms() {
        return median() / 1e6;
    }

    double p99Ms() {
        return percentile(99) / 1e6;
    }

    double max() {
        return sorted.length == 0 ? Double.NaN : sorted[sorted.length - 1];
    }

    double min() {
        return sorted.length == 0 ? Double.NaN : sorted[0];
    }
}
