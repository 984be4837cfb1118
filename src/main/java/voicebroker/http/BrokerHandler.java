package voicebroker.http;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import voicebroker.config.BrokerConfig;
import voicebroker.config.Limits;
import voicebroker.config.Secret;
import voicebroker.guard.CallBudget;
import voicebroker.guard.FailureThrottle;
import voicebroker.guard.HostGuard;
import voicebroker.guard.JsonContentTypeGuard;
import voicebroker.guard.LoopbackPeerGuard;
import voicebroker.guard.OriginGuard;
import voicebroker.guard.SameUserGuard;
import voicebroker.guard.TokenGuard;
import voicebroker.leak.SecretScrub;
import voicebroker.mint.Minter;
import voicebroker.pipeline.AccessLog;
import voicebroker.pipeline.Chain;
import voicebroker.pipeline.Exchange;
import voicebroker.pipeline.HeaderSize;
import voicebroker.pipeline.Pipeline;
import voicebroker.pipeline.Reply;
import voicebroker.pipeline.SafeHeaders;
import voicebroker.pipeline.SameUser;
import voicebroker.pipeline.Step;
import voicebroker.upstream.OpenAiClient;

/**
 * Every request to the broker, in order. The first step that answers wins and nothing after it runs; steps
 * nearer the top see every answer on its way out. Checks that need nothing but the connection come first (cheap,
 * and they stop the most hostile callers before they learn anything, not even a 404); the token comes after
 * Origin so a foreign page gets {@code forbidden_origin} with a useful hint; the caller's OS user, which costs a
 * read of the kernel's socket table, comes after every cheap check so refusals stay cheap; the body is read only
 * for callers who proved they hold the token. DESIGN.md walks through the same list.
 */
final class BrokerHandler implements Chain {
    private final Pipeline pipeline;

    BrokerHandler(BrokerConfig config, List<Route> routes, CallBudget budget, SameUserGuard sameUser) {
        Limits limits = config.limits();
        SecretScrub secrets = new SecretScrub(secretsOf(config));
        Cors cors = new Cors(new OriginGuard(config.origins()), config.tokenHeader());
        RouteTable table = new RouteTable(routes);
        this.pipeline = new Pipeline(List.of(
                new AccessLog(),                                        // one line per request: method, path, status
                new SafeHeaders(),                                      // no-store, nosniff, Vary, no referrer, CORP
                new RefusalScrub(secrets),                              // rule 6: no refusal carries the token or key
                new HeaderSize(limits.maxHeaderBytes()),                // rule 8: headers_too_large
                Step.guard(new LoopbackPeerGuard()),                    // rule 1: non_loopback
                Step.guard(HostGuard.forLoopbackPort(config.port())),   // rule 2: bad_host (DNS rebinding)
                cors.originCheck(),                                     // rule 3: forbidden_origin; CORS for allowed ones
                table.lookup(),                                         // not_found
                table.methodCheck(),                                    // method_not_allowed
                table.whereKeyIsSpent(Step.guard(tokenGuard(config))),  // rule 5: missing_token, bad_token
                table.whereKeyIsSpent(Step.guard(new JsonContentTypeGuard())), // rule 4: unsupported_media_type
                new SameUser(sameUser),                                 // foreign_user: costly, so after every cheap check
                cors.preflight(),                                       // OPTIONS answered for the route
                table.answerFreeRoutes(),                               // health: spends nothing, answered here
                new JsonBody(limits.maxBodyBytes()),                    // body_too_large, bad_json, invalid_request
                new BodySecrets(secrets),                               // rule 6: no secret travels upstream
                new KeyPresent(config.keyed()),                         // no_key
                new BudgetStep(budget),                                 // rate_limited
                new AnswerScrub(secrets),                               // rule 6: no answer or audio carries a secret
                table.call()));                                         // the route
    }

    /**
     * The broker's pipeline over its four routes, calling {@code upstream} when the broker has a key. One call
     * budget covers every upstream call: a page's mints and speech, and the warm secret's refills.
     */
    static BrokerHandler create(BrokerConfig config, Optional<OpenAiClient> upstream, SameUserGuard sameUser) {
        CallBudget budget = new CallBudget(config.limits().upstreamConcurrency(), config.limits().callsPerMinute());
        Optional<Minter> minter = upstream.map(client -> new Minter(client, config, budget));
        return new BrokerHandler(config, new BrokerRoutes(config, upstream, minter).all(), budget, sameUser);
    }

    private static List<Secret> secretsOf(BrokerConfig config) {
        List<Secret> secrets = new ArrayList<>(List.of(config.token()));
        config.apiKey().ifPresent(secrets::add);
        return secrets;
    }

    private static TokenGuard tokenGuard(BrokerConfig config) {
        Limits limits = config.limits();
        return new TokenGuard(config.token(), config.tokenHeader(),
                new FailureThrottle(limits.tokenFailuresAllowed(), limits.tokenFailureWindow()));
    }

    @Override
    public Reply proceed(Exchange exchange) throws IOException {
        return pipeline.proceed(exchange);
    }
}
