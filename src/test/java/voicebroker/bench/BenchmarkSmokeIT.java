package voicebroker.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Runs the benchmark harness in its quickest mode (a few seconds) and checks that it produced every figure with
 * a number. Not a performance test: no threshold is asserted, because CI machines are noisy and shared; the
 * figures themselves are in docs/BENCHMARKS.md.
 */
class BenchmarkSmokeIT {

    @Test
    void quickRunProducesEveryRowWithNumbers() throws Exception {
        BenchOptions options = BenchOptions.parse("--quick");
        Table table = Bench.run(options, null);
        List<Table.Row> rows = table.rows();

        Set<String> sections = rows.stream().map(Table.Row::section).collect(Collectors.toSet());
        assertEquals(Set.copyOf(BenchOptions.SECTIONS), sections, "a section produced no row:\n" + table.markdown());
        assertTrue(rows.size() >= 15, "expected every figure:\n" + table.markdown());
        for (Table.Row row : rows) {
            assertFalse(Double.isNaN(row.broker()), "no number for '" + row.figure() + "':\n" + table.markdown());
            assertTrue(row.broker() >= 0, "negative figure for '" + row.figure() + "':\n" + table.markdown());
        }
        String markdown = Bench.report(options, table);
        assertTrue(markdown.contains("| figure | voice-broker | reference |"), markdown);
    }
}
