package voicebroker.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import voicebroker.error.ErrorCode;
import voicebroker.error.Refusal;
import voicebroker.guard.RequestFacts;

/** How a list of steps runs: in order, the first answer wins, and every step above sees every answer. */
class PipelineTest {
    private final List<String> trace = new ArrayList<>();

    private static Exchange exchange(Map<String, List<String>> headers) {
        InetSocketAddress here = new InetSocketAddress(InetAddress.getLoopbackAddress(), 8099);
        return Exchange.of(new RequestFacts(InetAddress.getLoopbackAddress(), "GET", "/x?y", headers),
                new Connection(new InetSocketAddress(InetAddress.getLoopbackAddress(), 40000), here), new ByteArrayInputStream(new byte[0]));
    }

    private Step passing(String name) {
        return (exchange, next) -> {
            trace.add(name);
            return next.proceed(exchange);
        };
    }

    private Step answering(String name, Reply reply) {
        return (exchange, next) -> {
            trace.add(name);
            return reply;
        };
    }

    @Test
    void stepsRunInListOrderAndTheFirstAnswerWins() throws IOException {
        Pipeline pipeline = new Pipeline(List.of(passing("a"), passing("b"), answering("c", Reply.json("c")), passing("d")));
        Reply reply = pipeline.proceed(exchange(Map.of()));
        assertEquals(List.of("a", "b", "c"), trace, "nothing after the answering step runs");
        assertEquals("c", ((Reply.Json) reply).body());
    }

    @Test
    void aStepAboveSeesAndMayChangeEveryAnswerBelowIt() throws IOException {
        Step addsHeader = (exchange, next) -> next.proceed(exchange).withHeaders(Map.of("X-Seen", "yes"));
        Reply refused = new Pipeline(List.of(addsHeader, answering("no", Reply.refused(Refusal.of(ErrorCode.NOT_FOUND))))).proceed(exchange(Map.of()));
        assertEquals("yes", refused.headers().get("X-Seen"));
        assertTrue(refused.isRefusal());
        assertEquals(404, refused.status());
    }

    @Test
    void aThrownRefusalIsAnAnswerAndFinallyBlocksAboveItRun() throws IOException {
        Step releases = (exchange, next) -> {
            try {
                return next.proceed(exchange);
            } finally {
                trace.add("released");
            }
        };
        Step throwing = (exchange, next) -> {
            throw Refusal.of(ErrorCode.BAD_JSON).asException();
        };
        Reply reply = new Pipeline(List.of(releases, throwing)).proceed(exchange(Map.of()));
        assertEquals(ErrorCode.BAD_JSON, ((Reply.Refused) reply).refusal().code());
        assertEquals(List.of("released"), trace);
    }

    @Test
    void aBugAnswersInternalWithoutItsMessage() throws IOException {
        Step addsHeader = (exchange, next) -> next.proceed(exchange).withHeaders(Map.of("X-Seen", "yes"));
        Step buggy = (exchange, next) -> {
            throw new IllegalStateException("secret detail of a bug");
        };
        Reply reply = new Pipeline(List.of(addsHeader, buggy)).proceed(exchange(Map.of()));
        Refusal refusal = ((Reply.Refused) reply).refusal();
        assertEquals(ErrorCode.INTERNAL, refusal.code());
        assertFalse(refusal.body().toString().contains("secret detail"));
        assertEquals("yes", reply.headers().get("X-Seen"), "steps above still add their headers");
    }

    @Test
    void theLastStepMustAnswer() throws IOException {
        Reply reply = new Pipeline(List.of(passing("only"))).proceed(exchange(Map.of()));
        assertEquals(ErrorCode.INTERNAL, ((Reply.Refused) reply).refusal().code(), "a pipeline that runs off its end is a bug");
    }

    @Test
    void aGuardIsAStepThatRefusesOrPassesOnUntouched() throws IOException {
        Step guard = Step.guard(request -> request.single("x-ok").isPresent() ? Optional.empty()
                : Optional.of(Refusal.of(ErrorCode.FORBIDDEN_ORIGIN)));
        Pipeline pipeline = new Pipeline(List.of(guard, answering("route", Reply.json("routed"))));
        assertEquals(403, pipeline.proceed(exchange(Map.of())).status());
        assertEquals(List.of(), trace, "a refusing guard stops the request");
        assertEquals(200, pipeline.proceed(exchange(Map.of("X-Ok", List.of("1")))).status());
        assertEquals(List.of("route"), trace);
    }

    @Test
    void aStepForSomeRequestsOnlyLetsTheOthersPassUntouched() throws IOException {
        Step refuse = answering("refuse", Reply.refused(Refusal.of(ErrorCode.MISSING_TOKEN)));
        Pipeline pipeline = new Pipeline(List.of(Step.onlyIf(exchange -> exchange.request().single("x-spend").isPresent(), refuse),
                answering("route", Reply.json("routed"))));
        assertEquals(200, pipeline.proceed(exchange(Map.of())).status());
        assertEquals(401, pipeline.proceed(exchange(Map.of("X-Spend", List.of("1")))).status());
        assertEquals(List.of("route", "refuse"), trace);
    }

    @Test
    void tagsCarryWhatEarlierStepsFoundAndAreRequiredInOrder() throws IOException {
        Step finds = (exchange, next) -> next.proceed(exchange.withTag(String.class, "found"));
        Step uses = (exchange, next) -> Reply.json(exchange.required(String.class));
        assertEquals("found", ((Reply.Json) new Pipeline(List.of(finds, uses)).proceed(exchange(Map.of()))).body());
        assertThrows(IllegalStateException.class, () -> exchange(Map.of()).required(String.class));
        assertEquals(Optional.empty(), exchange(Map.of()).tag(Integer.class));
    }

    @Test
    void safeHeadersGoOnEveryAnswerAndCorpOnlyOnThoseThatAreNotRefusals() throws IOException {
        Reply ok = new Pipeline(List.of(new SafeHeaders(), answering("ok", Reply.json("x")))).proceed(exchange(Map.of()));
        Reply no = new Pipeline(List.of(new SafeHeaders(), answering("no", Reply.refused(Refusal.of(ErrorCode.NOT_FOUND))))).proceed(exchange(Map.of()));
        for (Reply reply : List.of(ok, no)) {
            assertEquals("no-store", reply.headers().get("Cache-Control"));
            assertEquals("nosniff", reply.headers().get("X-Content-Type-Options"));
            assertEquals("Origin", reply.headers().get("Vary"));
            assertEquals("no-referrer", reply.headers().get("Referrer-Policy"));
        }
        assertEquals("same-origin", ok.headers().get("Cross-Origin-Resource-Policy"));
        assertFalse(no.headers().containsKey("Cross-Origin-Resource-Policy"));
    }

    @Test
    void anOversizedHeaderSectionIsRefusedBeforeAnythingElse() throws IOException {
        Pipeline pipeline = new Pipeline(List.of(new HeaderSize(100), answering("route", Reply.json("x"))));
        Reply reply = pipeline.proceed(exchange(Map.of("X-Filler", List.of("f".repeat(200)))));
        assertEquals(ErrorCode.HEADERS_TOO_LARGE, ((Reply.Refused) reply).refusal().code());
        assertEquals(List.of(), trace);
    }
}
