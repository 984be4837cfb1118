package voicebroker.bench;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import voicebroker.bench.BenchContext.Broker;
import voicebroker.bench.Table.Met;
import voicebroker.bench.Table.Row;

/**
 * Text-to-speech through the broker against the same request straight to the fake. Two kinds of answer, because
 * they measure different things on a machine whose two cores the fake, the broker and the client share:
 * <ul>
 *   <li>time to the first body byte, on answers the fake paces (16 KiB a millisecond, as an upstream that
 *   produces audio while it sends does, only far faster than speech comes);</li>
 *   <li>throughput, and the broker's RSS sampled every 5 ms, on a 10 MB answer sent as fast as loopback goes.
 *   Its first bytes are noted too: there the fake's writer, the broker's copy and the client all want a core, and
 *   the client waits its turn for one, which the direct call (two busy threads) never does.</li>
 * </ul>
 */
final class SpeechBench {
    private static final String SPEECH = "/audio/speech";
    private static final String TTS_BODY = "{\"input\":\"Hello from the benchmark, spoken at length.\",\"voice\":\"marin\",\"format\":\"mp3\"}";
    private static final int CHUNK = 16 * 1024;
    private static final long PACED_BYTES = 64L * CHUNK;
    private static final Duration PACE = Duration.ofMillis(1);
    private final BenchContext ctx;

    SpeechBench(BenchContext ctx) {
        this.ctx = ctx;
    }

    void run() throws Exception {
        long bytes = ctx.options.ttsBytes;
        int runs = ctx.options.ttsRuns();
        ctx.progress("tts: " + runs + " streams of " + bytes + " bytes each way, " + 2 * runs + " paced ones of " + PACED_BYTES);
        try (Broker broker = ctx.startBroker(Map.of());
             Http1 b = broker.connection(); Http1 d = ctx.fakeConnection()) {
            byte[] tts = broker.post("/api/tts", TTS_BODY);
            ctx.fake.speechBytes(bytes).speechChunks(CHUNK, Duration.ZERO);
            long[] cold = stream(b, tts, bytes); // the first use of the audio path, reported apart
            byte[] direct = ctx.directRequest(ctx.lastUpstream(SPEECH));
            stream(d, direct, bytes);
            warmUp(b, tts, d, direct);
            ctx.table.note(String.format(Locale.ROOT, "TTS first byte of the broker's very first stream (cold code): %.1f ms", cold[0] / 1e6));
            firstByte(b, tts, d, direct, 2 * runs);
            flood(broker, b, tts, d, direct, bytes, runs);
        } finally {
            ctx.fake.speechBytes(8 * 1024).speechChunks(1024, Duration.ZERO);
        }
    }

    /** Time to the first body byte of paced answers, broker and direct in turn. */
    private void firstByte(Http1 broker, byte[] tts, Http1 fake, byte[] direct, int runs) throws IOException {
        ctx.fake.speechBytes(PACED_BYTES).speechChunks(CHUNK, PACE);
        List<Long> brokerFirst = new ArrayList<>();
        List<Long> directFirst = new ArrayList<>();
        for (int r = 0; r < runs; r++) {
            brokerFirst.add(stream(broker, tts, PACED_BYTES)[0]);
            directFirst.add(stream(fake, direct, PACED_BYTES)[0]);
            ctx.fake.clear();
        }
        double bf = Stats.of(brokerFirst).p50Ms();
        double df = Stats.of(directFirst).p50Ms();
        ctx.table.add(new Row("tts", "TTS first byte, answer paced at 16 KiB/ms (median)", bf, df, Table.overhead(bf, df),
                "overhead ≤ 1 ms", Table.atMost(bf - df, 1.0), "ms"));
    }

    /** Throughput and RSS of 10 MB answers sent as fast as loopback goes; their first bytes as a note. */
    private void flood(Broker broker, Http1 b, byte[] tts, Http1 d, byte[] direct, long bytes, int runs) throws Exception {
        ctx.fake.speechBytes(bytes).speechChunks(CHUNK, Duration.ZERO);
        List<Long> brokerFirst = new ArrayList<>();
        List<Long> directFirst = new ArrayList<>();
        List<Long> brokerRate = new ArrayList<>();
        List<Long> directRate = new ArrayList<>();
        BenchContext.sleep(500);
        long before = BenchContext.rssKib(broker.pid());
        AtomicLong maxDuring = new AtomicLong(before);
        AtomicBoolean sampling = new AtomicBoolean(true);
        Thread sampler = new Thread(() -> {
            while (sampling.get()) {
                maxDuring.accumulateAndGet(BenchContext.rssKib(broker.pid()), Math::max);
                BenchContext.sleep(5);
            }
        }, "rss-sampler");
        sampler.setDaemon(true);
        sampler.start();
        try {
            for (int r = 0; r < runs; r++) {
                long[] viaBroker = stream(b, tts, bytes);
                long[] viaDirect = stream(d, direct, bytes);
                brokerFirst.add(viaBroker[0]);
                brokerRate.add(viaBroker[1]);
                directFirst.add(viaDirect[0]);
                directRate.add(viaDirect[1]);
                ctx.fake.clear();
            }
        } finally {
            sampling.set(false);
            sampler.join();
        }
        double mb = bytes / 1e6;
        double brokerMbps = mb / (Stats.of(brokerRate).median() / 1e9);
        double directMbps = mb / (Stats.of(directRate).median() / 1e9);
        String size = Table.format(mb) + " MB";
        ctx.table.add(new Row("tts", "TTS " + size + ": throughput (median)", brokerMbps, directMbps,
                Table.ratio(brokerMbps, directMbps), "—", Met.NONE, "MB/s"));
        double growth = (maxDuring.get() - before) / 1024.0;
        ctx.table.add(new Row("tts", String.format(Locale.ROOT, "TTS %s: broker RSS growth while streaming (%.0f → max %.0f MiB)",
                size, before / 1024.0, maxDuring.get() / 1024.0), growth, Double.NaN, "—", "flat (≤ 5 MiB)",
                Table.atMost(growth, 5), "MiB"));
        ctx.table.note(String.format(Locale.ROOT, "TTS first byte of the %s answers sent as fast as loopback goes (median): broker %.2f ms,"
                + " direct %.2f ms (the client waits for a core the fake's writer and the broker's copy hold; see the method)",
                size, Stats.of(brokerFirst).p50Ms(), Stats.of(directFirst).p50Ms()));
    }

    /**
     * Short streams each way until the path is compiled, as it is on a broker that speaks often: a JVM runs a
     * path in its interpreter until the path's methods pass their call counts, which the broker's single C1
     * compiler thread reaches later while its queue is long (after 400 streams a profile still found half of the
     * request's time in the interpreter). The figure is meant to show what the broker adds, not how cold code
     * runs; the first stream's figure is noted apart.
     */
    private void warmUp(Http1 broker, byte[] tts, Http1 fake, byte[] direct) throws IOException {
        int streams = ctx.options.warmupStreams();
        long small = CHUNK;
        ctx.fake.speechBytes(small);
        ctx.progress("tts: " + streams + " warm-up streams of " + small + " bytes each way");
        for (int i = 0; i < streams; i++) {
            stream(broker, tts, small);
            stream(fake, direct, small);
            if (i % 100 == 99) {
                ctx.fake.clear();
            }
        }
    }

    /** Answers {time to first body byte, time to last byte} in ns; insists on 200 and the whole length. */
    private static long[] stream(Http1 connection, byte[] request, long expected) throws IOException {
        long start = System.nanoTime();
        Http1.Response response = connection.stream(request);
        long end = System.nanoTime();
        if (response.status() != 200 || response.bodyBytes() != expected) {
            throw new IllegalStateException("speech stream answered " + response.status() + " with " + response.bodyBytes()
                    + " bytes, expected " + expected);
        }
        return new long[] {response.firstByteNanos() - start, end - start};
    }
}
