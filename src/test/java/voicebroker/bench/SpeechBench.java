package voicebroker.bench;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import voicebroker.bench.BenchContext.Broker;
import voicebroker.bench.Table.Met;
import voicebroker.bench.Table.Row;

/**
 * Text-to-speech through the broker against the same request straight to the fake: time to the first body byte,
 * throughput of a 10 MB stream (16 KiB chunks, as fast as loopback goes), and the broker's RSS sampled every
 * 5 ms while it streams, against its RSS just before (after one unmeasured stream, so first-use class loading
 * and buffers are not counted as growth).
 */
final class SpeechBench {
    private static final String SPEECH = "/audio/speech";
    private static final String TTS_BODY = "{\"input\":\"Hello from the benchmark, spoken at length.\",\"voice\":\"marin\",\"format\":\"mp3\"}";
    private final BenchContext ctx;

    SpeechBench(BenchContext ctx) {
        this.ctx = ctx;
    }

    void run() throws Exception {
        long bytes = ctx.options.ttsBytes;
        ctx.fake.speechBytes(bytes).speechChunks(16 * 1024, Duration.ZERO);
        int runs = ctx.options.ttsRuns();
        ctx.progress("tts: " + runs + " streams of " + bytes + " bytes each way");
        try (Broker broker = ctx.startBroker(Map.of())) {
            byte[] tts = broker.post("/api/tts", TTS_BODY);
            List<Long> brokerFirst = new ArrayList<>();
            List<Long> directFirst = new ArrayList<>();
            List<Long> brokerRate = new ArrayList<>();
            List<Long> directRate = new ArrayList<>();
            long before;
            AtomicLong maxDuring = new AtomicLong();
            try (Http1 b = broker.connection(); Http1 d = ctx.fakeConnection()) {
                long[] cold = stream(b, tts, bytes); // the first use of the audio path, reported apart
                byte[] direct = ctx.directRequest(ctx.lastUpstream(SPEECH));
                stream(d, direct, bytes);
                warmUp(b, tts, d, direct);
                ctx.fake.speechBytes(bytes);
                ctx.table.note(String.format(java.util.Locale.ROOT, "TTS first byte of the broker's very first stream (cold code): %.1f ms",
                        cold[0] / 1e6));
                BenchContext.sleep(500);
                before = BenchContext.rssKib(broker.pid());
                maxDuring.set(before);
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
            }
            Stats bf = Stats.of(brokerFirst);
            Stats df = Stats.of(directFirst);
            double mb = bytes / 1e6;
            Stats bt = Stats.of(brokerRate);
            Stats dt = Stats.of(directRate);
            double brokerMbps = mb / (bt.median() / 1e9);
            double directMbps = mb / (dt.median() / 1e9);
            String size = Table.format(mb) + " MB";
            ctx.table.add(new Row("tts", "TTS " + size + ": first byte (median)", bf.p50Ms(), df.p50Ms(),
                    Table.overhead(bf.p50Ms(), df.p50Ms()), "overhead ≤ 1 ms", Table.atMost(bf.p50Ms() - df.p50Ms(), 1.0), "ms"));
            ctx.table.add(new Row("tts", "TTS " + size + ": throughput (median)", brokerMbps, directMbps,
                    Table.ratio(brokerMbps, directMbps), "—", Met.NONE, "MB/s"));
            double growth = (maxDuring.get() - before) / 1024.0;
            ctx.table.add(new Row("tts", String.format(java.util.Locale.ROOT, "TTS %s: broker RSS growth while streaming (%.0f → max %.0f MiB)",
                    size, before / 1024.0, maxDuring.get() / 1024.0), growth, Double.NaN, "—", "flat (≤ 5 MiB)",
                    Table.atMost(growth, 5), "MiB"));
        } finally {
            ctx.fake.speechBytes(8 * 1024).speechChunks(1024, Duration.ZERO);
        }
    }

    /**
     * Short streams each way until the path is compiled, as it is on a broker that speaks often: a JVM runs a
     * path the first few hundred times in its interpreter, and the figure is meant to show what the broker adds,
     * not how cold code runs (the first stream's figure is noted apart).
     */
    private void warmUp(Http1 broker, byte[] tts, Http1 fake, byte[] direct) throws IOException {
        int streams = ctx.options.quick ? 30 : 400;
        long small = 16 * 1024;
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
