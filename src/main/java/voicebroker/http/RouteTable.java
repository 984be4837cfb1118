package voicebroker.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import voicebroker.json.JsonTree;
import voicebroker.error.ErrorCode;
import voicebroker.error.Refusal;
import voicebroker.log.Redactor;
import voicebroker.pipeline.Exchange;
import voicebroker.pipeline.Reply;
import voicebroker.pipeline.Step;

/** The broker's routes by path, and the pipeline steps that find a route, check its method and call it. */
final class RouteTable {
    private final Map<String, Route> routes;

    RouteTable(List<Route> routes) {
        Map<String, Route> byPath = new HashMap<>();
        for (Route route : routes) { // a loop, not a collector: the table is made on the way to readiness
            if (byPath.put(route.path(), route) != null) {
                throw new IllegalStateException("two routes for " + route.path());
            }
        }
        this.routes = Map.copyOf(byPath);
    }

    /** {@code not_found} for an unknown path; otherwise the route goes on with the exchange. */
    Step lookup() {
        return (exchange, next) -> {
            Route route = routes.get(exchange.request().path());
            if (route == null) {
                return Reply.refused(Refusal.of(ErrorCode.NOT_FOUND));
            }
            return next.proceed(exchange.withTag(Route.class, route));
        };
    }

    /**
     * {@code method_not_allowed}, with the {@code Allow} header, for a method the route does not take. {@code OPTIONS}
     * passes: it is a preflight, answered further down.
     */
    Step methodCheck() {
        return (exchange, next) -> {
            Route route = exchange.required(Route.class);
            String method = exchange.request().method();
            if (route.methods().contains(method) || method.equals("OPTIONS")) {
                return next.proceed(exchange);
            }
            return Reply.refused(Refusal.of(ErrorCode.METHOD_NOT_ALLOWED, Redactor.printable(method, 64) + " is not allowed on "
                    + route.path() + ".", "Use " + String.join(" or ", route.methods().stream().sorted().toList()) + ".")
                    .withHeader("Allow", String.join(", ", route.methods())));
        };
    }

    /** {@code step} for requests that would spend the key: a route that calls the upstream, and not its preflight. */
    Step whereKeyIsSpent(Step step) {
        return Step.onlyIf(RouteTable::spendsKey, step);
    }

    private static boolean spendsKey(Exchange exchange) {
        return exchange.required(Route.class).spendsKey() && !exchange.request().method().equals("OPTIONS");
    }

    /** Routes that spend no key (health) answer here; the checks after this step guard the key. */
    Step answerFreeRoutes() {
        return (exchange, next) -> {
            Route route = exchange.required(Route.class);
            return route.spendsKey() ? next.proceed(exchange) : route.handler().handle(JsonTree.objectNode());
        };
    }

    /** The last step: the route itself, with the body the steps before it read and checked. */
    Step call() {
        return (exchange, next) -> exchange.required(Route.class).handler().handle(exchange.required(ObjectNode.class));
    }
}
