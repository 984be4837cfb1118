package voicebroker.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import voicebroker.testkit.FakeOpenAi;

/** Defect 10 of the old sidecar: many starts at once (terminals, clicks) must end with exactly one broker. */
class ConcurrentStartIT {
    private static final int STARTS = 20;

    @Test
    void twentyConcurrentStartsMakeExactlyOneBroker() throws Exception {
        try (FakeOpenAi fake = FakeOpenAi.http().start(); VoiceCli voice = new VoiceCli(fake.baseUrl())) {
            ExecutorService pool = Executors.newFixedThreadPool(STARTS);
            CountDownLatch go = new CountDownLatch(1);
            List<Future<VoiceCli.Run>> futures = new ArrayList<>();
            for (int i = 0; i < STARTS; i++) {
                futures.add(pool.submit(() -> {
                    go.await();
                    return voice.run("start", "--json");
                }));
            }
            go.countDown();
            List<VoiceCli.Run> runs = new ArrayList<>();
            for (Future<VoiceCli.Run> future : futures) {
                runs.add(future.get());
            }
            pool.shutdown();

            for (VoiceCli.Run run : runs) {
                assertEquals(0, run.exit(), run::toString);
            }
            Set<Long> pids = runs.stream().map(run -> run.json().path("pid").asLong()).collect(Collectors.toSet());
            assertEquals(1, pids.size(), "every start reports the same broker: " + pids);
            assertEquals(1, runs.stream().filter(run -> !run.json().path("already").asBoolean()).count(),
                    "exactly one start spawned it; the others found it running");
            assertEquals(List.copyOf(pids), voice.brokersOnThisPort(), "exactly one broker process serves the port");
            assertEquals(pids.iterator().next(), voice.runtimeFile().orElseThrow().path("pid").asLong());
        }
    }
}
