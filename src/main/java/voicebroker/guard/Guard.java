package voicebroker.guard;

import java.util.Optional;
import voicebroker.error.Refusal;

/**
 * One named check on a request: it answers "allowed" (empty) or the refusal to send. Guards are small,
 * stateless where they can be, and run in a fixed order as pipeline steps ({@code pipeline.Step.guard}).
 */
@FunctionalInterface
public interface Guard {
    Optional<Refusal> check(RequestFacts request);
}
